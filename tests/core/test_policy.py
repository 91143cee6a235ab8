"""The web accessibility policy (/accessibility/): edited by the IT division as Markdown, every version
kept and audited, shown at once in Japanese and English; no markup can be injected; others get 403."""

import pytest
from django.urls import reverse

from kotodx.core.models import AccessibilityPolicy, AuditEntry
from tests.conftest import client_for


def test_the_default_policy_is_shown_until_one_is_published(db):
    ja = client_for(None).get("/accessibility/").content.decode()
    assert "<h2>目標とする適合レベル</h2>" in ja and "JIS X 8341-3:2016 の適合レベル AA" in ja
    en = client_for(None).get("/en/accessibility/").content.decode()
    assert '<html lang="en">' in en and "<h2>Target conformance level</h2>" in en


def test_the_it_division_publishes_a_new_version(personas):
    client = client_for(personas.it_officer)
    page = client.get(reverse("core:accessibility_policy_edit")).content.decode()
    assert "## 対象範囲" in page  # the editor starts from the policy shown now
    response = client.post(
        reverse("core:accessibility_policy_edit"),
        {
            "body_ja": "## 対象範囲\n\n区民向けのページ。\n\n## 目標とする適合レベル\n\nAA に準拠",
            "body_en": "",
            "reason": "令和8年度の試験結果を反映",
        },
    )
    assert response.status_code == 302
    policy = AccessibilityPolicy.objects.get()
    assert policy.created_by == personas.it_officer
    entry = AuditEntry.objects.get(target_type="core.accessibilitypolicy", action="create")
    assert entry.after["reason"] == "令和8年度の試験結果を反映"
    ja = client_for(None).get("/accessibility/").content.decode()
    assert "<p>区民向けのページ。</p>" in ja and "最終更新" in ja
    # No English version: the English page shows the Japanese text, marked as Japanese.
    en = client_for(None).get("/en/accessibility/").content.decode()
    assert '<div class="policy" lang="ja">' in en and "区民向けのページ。" in en
    history = client.get(reverse("core:accessibility_policy_edit")).content.decode()
    assert "令和8年度の試験結果を反映" in history


def test_markup_cannot_be_injected(personas):
    client = client_for(personas.it_officer)
    client.post(
        reverse("core:accessibility_policy_edit"),
        {
            "body_ja": "<script>alert(1)</script>\n\n[リンク](javascript:alert(1))"
            ' <img src=x onerror="alert(1)">',
            "body_en": "## Scope\n\nEverything.",
            "reason": "試験",
        },
    )
    ja = client_for(None).get("/accessibility/").content.decode()
    assert "<script>alert(1)" not in ja and "&lt;script&gt;alert(1)&lt;/script&gt;" in ja
    assert 'href="javascript:' not in ja and "<img" not in ja
    en = client_for(None).get("/en/accessibility/").content.decode()
    assert '<div class="policy">' in en and "<h2>Scope</h2>" in en


def test_bad_input_is_named_and_nothing_is_saved(personas):
    response = client_for(personas.it_officer).post(
        reverse("core:accessibility_policy_edit"), {"body_ja": "  ", "body_en": "", "reason": ""}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "error-summary" in body
    assert AccessibilityPolicy.objects.count() == 0


@pytest.mark.parametrize("who", ["clerk_a", "committee", "auditor"])
def test_only_the_it_division_and_administrators_edit_it(personas, who):
    client = client_for(getattr(personas, who))
    assert client.get(reverse("core:accessibility_policy_edit")).status_code == 403
    response = client.post(
        reverse("core:accessibility_policy_edit"), {"body_ja": "乗っ取り", "body_en": "", "reason": "x"}
    )
    assert response.status_code == 403 and AccessibilityPolicy.objects.count() == 0
    assert client_for(personas.admin).get(reverse("core:accessibility_policy_edit")).status_code == 200
