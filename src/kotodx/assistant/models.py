"""AI assistant (individual measure 3): the FAQ and synonym dictionary staff edit, the questions residents
asked (masked), inquiries routed to departments with the model that routed them, and paper forms read by
OCR and checked by staff before they become submissions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kotodx.core.models import Department


class Faq(models.Model):
    question = models.CharField("質問", max_length=200)
    answer = models.TextField("回答")
    department = models.ForeignKey(
        Department, verbose_name="回答する部署", on_delete=models.PROTECT, related_name="faqs"
    )
    procedure = models.ForeignKey(
        "eapply.Procedure",
        verbose_name="関連する手続き",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="faqs",
    )
    is_public = models.BooleanField("区民に公開", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["department__sort_order", "question"]
        verbose_name = verbose_name_plural = "よくある質問"
        permissions = [("manage_faq", "よくある質問・同義語辞書を編集できる")]

    def __str__(self) -> str:
        return self.question


class Synonym(models.Model):
    """A word residents use → the words the ward's pages use (引っ越し → 転入届 転出届 転居届)."""

    term = models.CharField("言い方", max_length=100, unique=True)
    expansions = models.CharField(
        "言い換え", max_length=500, help_text="空白または読点（、）で区切る。例: 転入届 転出届 転居届"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["term"]
        verbose_name = verbose_name_plural = "同義語"

    def __str__(self) -> str:
        return f"{self.term} → {self.expansions}"

    @property
    def expansion_list(self) -> list[str]:
        return [w for w in self.expansions.replace("、", " ").replace(",", " ").split() if w]


class Question(models.Model):
    """One question a resident asked: only the masked text is kept, never who asked."""

    class Status(models.TextChoices):
        ANSWERED = "answered", "自動で回答"
        OPEN = "open", "回答なし（職員の対応待ち）"
        RESOLVED = "resolved", "職員がFAQを作成"
        DISMISSED = "dismissed", "対応不要"

    text = models.CharField("質問（個人情報は伏せ字）", max_length=500)
    language = models.CharField("言語", max_length=10, blank=True)
    status = models.CharField("状態", max_length=20, choices=Status.choices, db_index=True)
    top_title = models.CharField("最上位の回答", max_length=300, blank=True)
    top_score = models.FloatField("スコア", default=0)
    faq = models.ForeignKey(
        Faq, verbose_name="作成したFAQ", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_at = models.DateTimeField("日時", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-asked_at"]
        verbose_name = verbose_name_plural = "区民からの質問"

    def __str__(self) -> str:
        return self.text[:40]


class RoutingModel(models.Model):
    """A trained inquiry classifier with how well it did on inquiries it was not trained on."""

    created_at = models.DateTimeField(auto_now_add=True)
    samples = models.PositiveIntegerField("学習に使った問い合わせ")
    accuracy = models.FloatField("正解率（交差検証）")
    labels = models.JSONField("部署コード", default=list)
    confusion = models.JSONField("混同行列", default=list)
    blob = models.BinaryField("モデル")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "振り分けモデル"

    def __str__(self) -> str:
        return f"振り分けモデル {self.created_at:%Y-%m-%d %H:%M}"


class Inquiry(models.Model):
    class Source(models.TextChoices):
        EMAIL = "email", "メール"
        FORM = "form", "問い合わせフォーム"
        PHONE = "phone", "電話のメモ"
        TRAINING = "training", "学習用の例"

    text = models.TextField("問い合わせ")
    source = models.CharField("受付方法", max_length=20, choices=Source.choices, default=Source.EMAIL)
    predicted = models.ForeignKey(
        Department,
        verbose_name="推定した部署",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confidence = models.FloatField("確からしさ", null=True, blank=True)
    top3 = models.JSONField("候補", default=list, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name="担当部署",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inquiries",
    )
    corrected = models.BooleanField("職員が振り分けを直した", default=False)
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    model = models.ForeignKey(
        RoutingModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField("受付日時", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = verbose_name_plural = "問い合わせ"
        permissions = [("route_inquiry", "問い合わせを振り分けられる")]

    def __str__(self) -> str:
        return self.text[:40]


class OcrDocument(models.Model):
    """A scanned paper application: what OCR read, field by field, until a person confirms it."""

    class Status(models.TextChoices):
        READING = "reading", "読み取り中"
        CHECKING = "checking", "職員の確認待ち"
        SUBMITTED = "submitted", "申請として登録済み"
        FAILED = "failed", "読み取れなかった"
        DISCARDED = "discarded", "破棄"

    procedure = models.ForeignKey(
        "eapply.Procedure", verbose_name="手続き", on_delete=models.PROTECT, related_name="ocr_documents"
    )
    file = models.FileField(upload_to="assistant/ocr/%Y/%m/")
    original_name = models.CharField("ファイル名", max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.READING)
    text = models.TextField("読み取った文字", blank=True)
    readings = models.JSONField("項目ごとの読み取り", default=list, blank=True)
    message = models.CharField("メッセージ", max_length=500, blank=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submission = models.ForeignKey(
        "eapply.Submission", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("受付日時", auto_now_add=True)
    confirmed_at = models.DateTimeField("確認日時", null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = verbose_name_plural = "紙の申請書（OCR）"
        permissions = [("digitise_form", "紙の申請書をOCRで読み取り登録できる")]

    def __str__(self) -> str:
        return f"{self.procedure} {self.original_name}"
