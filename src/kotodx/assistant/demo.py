"""Demo data of the assistant: the FAQ (data/faq.yaml), the life-event synonym dictionary
(data/synonyms.yaml), labelled past inquiries (data/inquiries.csv) and a routing model trained on them,
plus a handful of questions and inquiries so the plan hub has figures. Texts are plausible examples
written for this project, not the ward's own answers. Loading twice changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

import yaml

from kotodx.assistant import routing, services
from kotodx.assistant.models import Faq, Inquiry, Question, RoutingModel, Synonym
from kotodx.core.models import Department, User
from kotodx.eapply.models import Procedure

DATA = Path(__file__).parent / "data"

SAMPLE_QUESTIONS = [
    "来月、江東区に引っ越してきます。何の手続きが必要ですか",
    "粗大ごみの出し方",
    "じゅうみんひょう",
    "赤ちゃんが生まれたら何をすればいい？",
    "保育園に入りたい",
    "How do I register my dog?",
    "近くの避難所はどこ？",
    "区役所は土曜日に開いていますか",
    "区のプールの水温は何度ですか",
    "こんにちは",
]

SAMPLE_INQUIRIES = [
    ("先週から家の前の街灯が消えたままです。夜道が暗くて危ないので直してください。", "email", None),
    ("保育園の入園申込の書類はいつまでに出せばよいでしょうか。", "form", None),
    ("国民健康保険の保険証をなくしてしまいました。再発行の方法を教えてください。", "email", None),
    ("集積所のごみが今日回収されていません。", "form", None),
    ("引っ越したので、子どもの学校を転校する手続きを知りたいです。", "email", "gakumu"),
]


def load(*, actor: User | None, stdout: TextIO, **_: Any) -> None:
    departments = {d.code: d for d in Department.objects.all()}
    procedures = {p.slug: p for p in Procedure.objects.all()}
    faqs = 0
    for entry in yaml.safe_load((DATA / "faq.yaml").read_text(encoding="utf-8")):
        existing = Faq.objects.filter(question=entry["question"]).first()
        if existing is not None:
            continue
        services.faq_save(
            faq=None,
            data={
                "question": entry["question"],
                "answer": entry["answer"],
                "department": departments[entry["department"]],
                "procedure": procedures.get(entry.get("procedure") or ""),
                "is_public": True,
            },
            actor=actor,
        )
        faqs += 1
    for entry in yaml.safe_load((DATA / "synonyms.yaml").read_text(encoding="utf-8")):
        if not Synonym.objects.filter(term=entry["term"]).exists():
            services.synonym_save(
                synonym=None, term=str(entry["term"]), expansions=" ".join(entry["expansions"]), actor=actor
            )
    added = services.training_import(data=routing.DEMO_INQUIRIES.read_bytes(), actor=actor)
    if added or not RoutingModel.objects.exists():
        model = services.retrain(actor=actor)
        stdout.write(f"振り分けモデル: {model.samples} 件で学習、交差検証の正解率 {model.accuracy:.1%}\n")
    if not Question.objects.exists():
        for question in SAMPLE_QUESTIONS:
            services.ask(question)
    if not Inquiry.objects.exclude(source=Inquiry.Source.TRAINING).exists():
        officer = User.objects.filter(username="it.officer").first()
        for text, source, correct_to in SAMPLE_INQUIRIES:
            inquiry = services.inquiry_receive(text=text, source=source, actor=actor)
            if correct_to and officer is not None and inquiry.department != departments[correct_to]:
                services.inquiry_correct(inquiry=inquiry, department=departments[correct_to], actor=officer)
    stdout.write(
        f"FAQ {Faq.objects.count()} 件（今回 {faqs} 件追加）、同義語 {Synonym.objects.count()} 語、"
        f"学習用の問い合わせ {Inquiry.objects.filter(source=Inquiry.Source.TRAINING).count()} 件\n"
    )
