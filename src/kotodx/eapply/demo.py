"""Demo data of e-application: Koto procedures in the catalog, five of them online with forms built in
the builder's format (data/forms/*.json). Their texts are plausible examples, not the ward's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from kotodx.core.models import Department, User
from kotodx.eapply import services
from kotodx.eapply.models import FormVersion, Procedure

FORMS = Path(__file__).parent / "data" / "forms"
C = Procedure.Category

# slug, name, category, department code, priority, pittari, form file (None: not online yet), description
PROCEDURES: list[tuple[str, str, str, str, str, str, str | None, str]] = [
    (
        "hoiku-riyou",
        "保育施設等利用申込",
        C.CHILDCARE,
        "hoiku",
        "childcare15",
        "available",
        "hoiku-riyou.json",
        "認可保育園・認定こども園などの利用を申し込みます。4月入園の一次募集は前年の11月頃に受け付けます。",
    ),
    (
        "jidou-teate-genkyo",
        "児童手当 現況届",
        C.CHILDCARE,
        "kosodate",
        "childcare15",
        "available",
        "jidou-teate-genkyo.json",
        "児童手当を受けている方が、受給の要件を満たしているかを届け出ます。",
    ),
    (
        "sodai-gomi",
        "粗大ごみ収集申込",
        C.WASTE,
        "seiso",
        "",
        "",
        "sodai-gomi.json",
        "家具・家電（リサイクル家電を除く）など、一辺がおおむね30cmを超えるごみの収集を申し込みます。",
    ),
    (
        "juminhyo",
        "住民票の写し交付請求",
        C.CERTIFICATE,
        "koseki-jumin",
        "",
        "",
        "juminhyo.json",
        "住民票の写しを郵送で請求します。手数料は1通300円です。",
    ),
    (
        "risai-shomei",
        "罹災証明書交付申請",
        C.DISASTER,
        "bosai",
        "risai",
        "available",
        "risai-shomei.json",
        "災害で住家などに被害を受けたときに、被害の程度を証明する罹災証明書の交付を申請します。",
    ),
    (
        "jidou-teate-nintei",
        "児童手当 認定請求",
        C.CHILDCARE,
        "kosodate",
        "childcare15",
        "planned",
        None,
        "お子さんが生まれたときや転入したときに、児童手当の認定を請求します。",
    ),
    (
        "ninshin-todoke",
        "妊娠の届出",
        C.CHILDCARE,
        "kenko",
        "childcare15",
        "planned",
        None,
        "妊娠がわかったら届け出てください。母子健康手帳をお渡しします。",
    ),
    (
        "youkaigo-nintei",
        "要介護・要支援認定申請",
        C.CARE,
        "kaigo",
        "care11",
        "planned",
        None,
        "介護保険のサービスを使うために、要介護・要支援の認定を申請します。",
    ),
    (
        "tenshutsu",
        "転出届（引越しワンストップ）",
        C.MOVING,
        "koseki-jumin",
        "moving",
        "available",
        None,
        "江東区から区外へ引っ越すときの届出です。マイナポータルから届け出ることもできます。",
    ),
    (
        "inkan-touroku",
        "印鑑登録",
        C.CERTIFICATE,
        "koseki-jumin",
        "",
        "",
        None,
        "実印として使う印鑑を登録します。本人が窓口で手続きしてください。",
    ),
]


def load(*, actor: User | None, stdout: TextIO, **_: Any) -> None:
    for slug, name, category, dept, priority, pittari, form_file, description in PROCEDURES:
        procedure = Procedure.objects.filter(slug=slug).first()
        if procedure is None:
            procedure = services.procedure_save(
                procedure=None,
                actor=actor,
                data={
                    "slug": slug,
                    "name": name,
                    "category": category,
                    "department": Department.objects.get(code=dept),
                    "description": description,
                    "priority": priority,
                    "pittari": pittari,
                    "documents": "本人確認書類の写し" if category != C.WASTE else "",
                },
            )
        if form_file and not procedure.versions.filter(status=FormVersion.Status.PUBLISHED).exists():
            definition = json.loads((FORMS / form_file).read_text(encoding="utf-8"))
            services.form_save_draft(procedure=procedure, definition=definition, actor=actor)
            services.form_publish(procedure=procedure, actor=actor)
    online = sum(1 for p in Procedure.objects.all() if p.is_online)
    stdout.write(f"手続き {Procedure.objects.count()} 件（うちオンライン申請 {online} 件）\n")
