"""What the portal and staff home link to. A module that is not installed yet shows as 準備中."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kotodx.core.models import User


@dataclass(frozen=True)
class Card:
    title: str | Promise
    description: str | Promise
    url_name: str
    permission: str = ""

    @property
    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


PUBLIC_CARDS = (
    Card(_("手続き・電子申請"), _("オンラインでできる手続きを探して、申請できます。"), "eapply:catalog"),
    Card(_("申請の状況を確認"), _("受付番号とメールアドレスで、申請の状況を確認できます。"), "eapply:status"),
    Card(_("オープンデータ"), _("区が公開しているデータを検索・ダウンロードできます。"), "opendata:home"),
    Card(_("地図で見る"), _("施設や避難場所などを地図で確認できます。"), "gis:map"),
    Card(_("情報化推進プランの進捗"), _("計画の指標と毎年度の取組状況を公表しています。"), "plan:public"),
    Card(
        _("AIに質問する"),
        _("知りたいことを文章で入力すると、手続きやよくある質問を案内します。"),
        "assistant:ask",
    ),
    Card(
        _("ウェブアクセシビリティ方針"),
        _("区のウェブサイトのアクセシビリティへの取組と試験結果です。"),
        "core:accessibility",
    ),
)

STAFF_CARDS = (
    Card(
        _("計画の進捗管理（PDCA）"),
        _("個別施策の年度の進捗を作成・確認・審査・承認します。"),
        "plan:staff_home",
        "plan.view_internal_progress",
    ),
    Card(
        _("電子申請の処理"),
        _("担当部署に届いた申請を確認し、審査・補正依頼・承認をします。"),
        "eapply:staff_queue",
        "eapply.process_submission",
    ),
    Card(
        _("手続きと申請フォーム"),
        _("手続きの案内と申請フォームを作成・公開します（プログラム不要）。"),
        "eapply:staff_procedures",
        "eapply.build_form",
    ),
    Card(
        _("オープンデータの管理"),
        _("データセットを作成し、ファイルを検証して公開します。"),
        "opendata:home",
        "opendata.add_dataset",
    ),
    Card(
        _("ウェブアクセシビリティ方針の編集"),
        _("公開している方針（対象範囲・目標とする適合レベル・確認の方法）を書き換えます。"),
        "core:accessibility_policy_edit",
        "core.change_accessibilitypolicy",
    ),
    Card(
        _("地図レイヤの管理"),
        _("部署のデータを地図レイヤとして取り込み、庁内・区民と共有します。"),
        "gis:staff_layers",
        "gis.view_layer",
    ),
    Card(
        _("地図で探す（空間検索）"),
        _("町丁目・描いた範囲・地点からの距離で、庁内レイヤを含む地物を探して表・CSVにします。"),
        "gis:staff_query",
        "gis.view_layer",
    ),
    Card(
        _("情報システム台帳・ライフサイクル"),
        _("区の全ての情報システムと、設計・見積り段階のセキュリティ審査を管理します。"),
        "governance:systems",
        "governance.view_system",
    ),
    Card(
        _("情報セキュリティ監査・PIA"),
        _("監査の指摘事項と改善措置、特定個人情報保護評価のしきい値判断を管理します。"),
        "governance:audits",
        "governance.view_system",
    ),
    Card(
        _("ICT人材育成・学校ICT"),
        _("AI・RPA研修の受講実績と、学校のICT機器の整備状況です。"),
        "governance:skills",
        "governance.view_system",
    ),
    Card(
        _("CSIRT・インシデント対応"),
        _(
            "情報セキュリティインシデントの記録と対応、外部への報告、脅威情報の共有（STIX・TAXII）、訓練です。"
        ),
        "security:dashboard",
        "security.view_incident",
    ),
    Card(
        _("業務自動化（ロボット）"),
        _("定型の作業をロボットに任せ、実行の記録と削減した作業時間を確認します。"),
        "automation:robots",
        "automation.view_robot",
    ),
    Card(
        _("ウェブアクセシビリティ検査"),
        _("区のウェブサイトをJIS X 8341-3で検査し、違反のあるページを見つけて直します。"),
        "a11y:scans",
        "a11y.view_scan",
    ),
    Card(
        _("AIアシスタント（FAQ・振り分け・OCR）"),
        _("区民の質問に答えるFAQと同義語辞書、問い合わせの部署振り分け、紙の申請書のOCRです。"),
        "assistant:staff_home",
        "assistant.view_faq",
    ),
    Card(
        _("監査ログ"),
        _("すべての変更と個人情報の閲覧の記録を検索・出力します。"),
        "core:audit_list",
        "core.view_auditentry",
    ),
    Card(_("バックグラウンド処理"), _("時間のかかる処理の進み具合を確認します。"), "core:job_list"),
    Card(_("APIトークン"), _("JSON API を使うためのトークンを発行・失効します。"), "core:token_list"),
    Card(_("2段階認証"), _("ログイン時の確認コード（TOTP）を設定します。"), "core:otp_setup"),
    Card(_("パスワード変更"), _("ログインパスワードを変更します。"), "core:password_change"),
)


@dataclass(frozen=True)
class Notice:
    """A line on the staff home page: something waiting for this member of staff."""

    text: str
    url: str
    level: str = "warning"


# Modules append a function ``(user) -> list of notices`` (objects with text, url, level) in their
# AppConfig.ready(); the staff home page shows what they return (overdue work, decisions waiting).
STAFF_NOTICES: list[Callable[[User], list[Notice]]] = []


def staff_notices(user: User) -> list[Notice]:
    return [n for fn in STAFF_NOTICES for n in fn(user)]


def cards() -> list[Card]:
    return list(PUBLIC_CARDS)


def staff_cards(user: User) -> list[Card]:
    return [c for c in STAFF_CARDS if not c.permission or user.has_perm(c.permission)]
