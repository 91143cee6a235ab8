"""The plan as data: the shipped Koto plan, reloads that change nothing, revisions, and bad files."""

import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kotodx.plan import services
from kotodx.plan.loader import PlanFileError, read_plan_file, read_plan_text
from kotodx.plan.models import Guideline, IndividualMeasure, Kpi, Measure, Plan, PlanRevision
from tests.plan.conftest import DATA, small_plan_yaml

SEED = Path(__file__).resolve().parents[1] / "data" / "plan" / "koto-plan-2020-seed.txt"


def test_koto_plan_has_the_seeds_structure_and_text(koto_plan):
    assert (koto_plan.start_fy, koto_plan.end_fy) == (2020, 2024)
    assert koto_plan.period_label == "令和2年度〜令和6年度"
    assert koto_plan.vision == "区民にとって便利で質の高い行政サービスの提供と効率的な行政運営"
    assert Guideline.objects.filter(plan=koto_plan).count() == 4
    assert all(g.needs_confirmation for g in koto_plan.guidelines.all())
    assert Measure.objects.filter(plan=koto_plan).count() == 10
    ims = list(IndividualMeasure.objects.filter(plan=koto_plan).order_by("number"))
    assert [im.number for im in ims] == list(range(1, 17))
    seed = SEED.read_text(encoding="utf-8")
    rows = {
        int(m.group(1)): (m.group(2), m.group(3))
        for m in re.finditer(r"^(?:\d+\t[^\t]+|\t)\t(\d+)\t([^\t]+)\t([^\n]+)$", seed, re.M)
    }
    assert len(rows) == 16
    for im in ims:
        name, direction = rows[im.number]
        assert im.name == name.strip()
        assert im.direction == direction.strip()  # verbatim, oddities included
    assert ims[12].direction.endswith("取り組めます。")


def test_every_individual_measure_has_a_kpi_and_incidents_must_fall(koto_plan):
    for im in koto_plan.individual_measures.all():
        assert im.kpis.exists(), im
    assert Kpi.objects.get(plan=koto_plan, code="security-incidents").direction == "decrease"
    assert Kpi.objects.get(plan=koto_plan, code="a11y-violation-pages").direction == "decrease"


def test_loading_twice_changes_nothing(koto_plan):
    counts = (Plan.objects.count(), Kpi.objects.count(), PlanRevision.objects.count())
    services.plan_load(read_plan_file(DATA / "koto-2020.yaml"), actor=None)
    assert (Plan.objects.count(), Kpi.objects.count(), PlanRevision.objects.count()) == counts
    assert PlanRevision.objects.count() == 0


def test_changed_file_is_a_revision_with_before_and_after(personas):
    services.plan_load(read_plan_text(small_plan_yaml(target="100")), actor=None)
    services.plan_load(
        read_plan_text(small_plan_yaml(target="120").replace("テストの目指す姿", "新しい目指す姿")),
        actor=None,
        label="改訂版ファイル",
    )
    revision = PlanRevision.objects.get()
    fields = {(c["field"], c["before"], c["after"]) for c in revision.changes}
    assert ("目指す姿", "テストの目指す姿", "新しい目指す姿") in fields
    assert any(f.endswith("の目標値") and b == "100" and a == "120" for f, b, a in fields)
    assert "改訂版ファイル" in revision.reason


def test_another_municipality_loads_the_same_way(db):
    text = small_plan_yaml(code="other-city").replace("江東区", "架空市").replace('"131083"', '"011002"')
    plan = services.plan_load(read_plan_text(text), actor=None)
    assert plan.municipality == "架空市"


def test_full_width_and_comma_numbers_in_a_file(personas):
    plan = services.plan_load(read_plan_text(small_plan_yaml(target='"１,２３４"')), actor=None)
    assert {t.value for t in Kpi.objects.get(plan=plan, code="online").targets.all()} == {1234}


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda t: t.replace("code: test-plan", "code: Bad Code"), "3行目: 計画コード「Bad Code」"),
        (
            lambda t: t.replace("direction: increase", "direction: upward"),
            "direction は increase か decrease",
        ),
        (lambda t: t.replace('"131083"', '"131084"'), "全国地方公共団体コード「131084」が正しくありません"),
        (lambda t: t.replace("targets: {", "targets: {2099: 5, "), "計画期間の外"),
        (lambda t: t.replace("value: 10", "value: abc"), "「abc」は数値ではありません"),
        (lambda t: t.replace("vision: テストの目指す姿", "vision: ''"), "「vision」がありません"),
        (lambda t: t.replace("[kosodate]", "[no-such-dept]"), "部署コード「no-such-dept」"),
        (lambda t: t + "  - number: 1\n    name: 重複\n    measures: []\n", "指針1が重複"),
        (lambda t: t.replace("    name: 指針1\n", "    name: [1, 2]\n"), "文字列で書いてください"),
        (lambda t: t.replace("plan:\n", "plan: [\n"), "YAMLとして読めません"),
    ],
)
def test_bad_files_name_the_line_and_load_nothing(personas, mutate, expected):
    before = (Plan.objects.count(), Kpi.objects.count())
    with pytest.raises(PlanFileError) as info:
        services.plan_load(read_plan_text(mutate(small_plan_yaml())), actor=None)
    message = str(info.value)
    assert expected in message
    assert re.search(r"\d+行目", message)
    assert (Plan.objects.count(), Kpi.objects.count()) == before


def test_loadplan_command_exit_code_and_message(personas, tmp_path):
    good = tmp_path / "plan.yaml"
    good.write_text(small_plan_yaml(), encoding="utf-8")
    call_command("loadplan", str(good))
    bad = tmp_path / "bad.yaml"
    bad.write_text(small_plan_yaml().replace("unit: 件", "unit: ''", 1), encoding="utf-8")
    with pytest.raises(CommandError, match=r"\d+行目: 指標「online」の「unit」がありません"):
        call_command("loadplan", str(bad))
    with pytest.raises(CommandError, match="ありません"):
        call_command("loadplan", str(tmp_path / "missing.yaml"))


def test_successor_links_to_predecessor_kpis(koto_plan):
    successor = services.plan_load(read_plan_file(DATA / "koto-2025-example.yaml"), actor=None)
    assert successor.predecessor == koto_plan
    assert successor.is_example
    kpi = Kpi.objects.get(plan=successor, code="online-procedures")
    assert kpi.continues.plan == koto_plan
    assert kpi.source == "eapply.online_procedures"


def test_successor_file_without_its_predecessor_is_refused(db):
    with pytest.raises(PlanFileError, match="前計画「koto-2020」が登録されていません"):
        services.plan_load(read_plan_file(DATA / "koto-2025-example.yaml"), actor=None)


def test_plan_file_upload_in_the_browser_form(personas):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.conftest import client_for

    url = reverse("plan:plan_upload")
    assert client_for(personas.clerk_a).get(url).status_code == 403
    client = client_for(personas.it_officer)
    bad = client.post(
        url,
        {"file": SimpleUploadedFile("p.yaml", small_plan_yaml().replace("unit: 件", "unit: ''", 1).encode())},
    )
    assert bad.status_code == 400 and "何も読み込んでいません" in bad.content.decode()
    assert not Plan.objects.exists()
    sjis = client.post(url, {"file": SimpleUploadedFile("p.yaml", small_plan_yaml().encode("cp932"))})
    assert "UTF-8" in sjis.content.decode()
    ok = client.post(url, {"file": SimpleUploadedFile("p.yaml", small_plan_yaml().encode())})
    assert ok.status_code == 302 and Plan.objects.filter(code="test-plan").exists()


def test_revision_by_upload_keeps_the_officers_reason(personas):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.conftest import client_for

    client = client_for(personas.it_officer)
    url = reverse("plan:plan_upload")
    client.post(url, {"file": SimpleUploadedFile("p.yaml", small_plan_yaml().encode())})
    changed = small_plan_yaml().replace("施策その1", "施策その1（改）").encode()
    client.post(url, {"file": SimpleUploadedFile("p.yaml", changed), "reason": "国の方針の変更を反映"})
    revision = PlanRevision.objects.get()
    assert revision.reason == "国の方針の変更を反映"
    assert {
        "object": "施策1",
        "field": "施策名",
        "before": "施策その1",
        "after": "施策その1（改）",
    } in revision.changes
