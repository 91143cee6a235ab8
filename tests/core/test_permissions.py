"""Least privilege, rule by rule: who may open which core page and see which records."""

import pytest
from django.urls import reverse

from kotodx.core import selectors, services
from kotodx.core.models import AuditEntry, Job
from tests.conftest import client_for

# persona → expected status of the audit log page
AUDIT_PAGE = {
    "admin": 200,
    "it_officer": 200,
    "auditor": 200,
    "clerk_a": 403,
    "clerk_b": 403,
    "committee": 403,
    "subcommittee": 403,
}


@pytest.mark.parametrize(("persona", "status"), AUDIT_PAGE.items())
def test_audit_log_page_by_role(personas, persona, status):
    response = client_for(getattr(personas, persona)).get(reverse("core:audit_list"))
    assert response.status_code == status
    if status == 403:
        assert "権限がありません" in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), AUDIT_PAGE.items())
def test_audit_export_by_role(personas, persona, status, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(getattr(personas, persona)).post(reverse("core:audit_export"))
    assert response.status_code == (302 if status == 200 else 403)
    assert Job.objects.filter(kind="core.audit_export").exists() == (status == 200)


@pytest.mark.parametrize(
    "url_name",
    [
        "core:staff_home",
        "core:audit_list",
        "core:job_list",
        "core:token_list",
        "core:otp_setup",
        "core:password_change",
    ],
)
def test_anonymous_is_sent_to_login_with_the_page_remembered(db, url_name):
    url = reverse(url_name)
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('core:login')}?next={url}"


def test_every_staff_persona_reaches_staff_home(personas):
    for user in personas.all().values():
        assert client_for(user).get(reverse("core:staff_home")).status_code == 200


def test_staff_home_menu_hides_what_the_role_cannot_open(personas):
    assert "監査ログ" not in client_for(personas.clerk_a).get(reverse("core:staff_home")).content.decode()
    assert "監査ログ" in client_for(personas.auditor).get(reverse("core:staff_home")).content.decode()


def test_ward_wide_roles(personas):
    assert selectors.is_ward_wide(personas.it_officer)
    assert selectors.is_ward_wide(personas.auditor)
    assert selectors.is_ward_wide(personas.admin)
    assert not selectors.is_ward_wide(personas.clerk_a)
    assert not selectors.is_ward_wide(personas.committee)


def test_scope_to_department_limits_clerks_to_their_own(personas):
    qs = type(personas.clerk_a).objects.all()
    assert set(selectors.scope_to_department(qs, personas.clerk_a)) == {personas.clerk_a}
    assert set(selectors.scope_to_department(qs, personas.clerk_b)) == {personas.clerk_b}
    assert selectors.scope_to_department(qs, personas.it_officer).count() == qs.count()


def test_jobs_of_others_are_hidden_from_clerks(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_start(kind="core.audit_export", title="x", actor=personas.it_officer)
    url = reverse("core:job_detail", args=[job.pk])
    assert client_for(personas.it_officer).get(url).status_code == 200
    assert client_for(personas.auditor).get(url).status_code == 200  # view_all_jobs
    assert client_for(personas.clerk_a).get(url).status_code == 404
    assert client_for(personas.clerk_a).post(reverse("core:job_cancel", args=[job.pk])).status_code == 404
    assert client_for(personas.clerk_a).get(reverse("core:job_download", args=[job.pk])).status_code == 404


def test_auditor_cannot_write_through_the_admin(personas):
    # Read-only: the auditor is not staff for the Django admin and has no change permissions.
    assert not personas.auditor.has_perm("core.change_department")
    assert not personas.auditor.has_perm("core.change_auditentry")
    assert client_for(personas.auditor).get("/admin/").status_code == 302


def test_audit_entries_cannot_be_changed_in_admin_even_by_superuser(personas):
    services.audit_record(actor=personas.admin, action="other", target_repr="x")
    entry = AuditEntry.objects.first()
    admin = client_for(personas.admin)
    personas.admin.is_staff = True
    personas.admin.save()
    r = admin.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert r.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_role_groups_hold_exactly_the_matrix(db):
    from django.contrib.auth.models import Group

    from kotodx.core.roles import ROLE_PERMISSIONS

    for code, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=code)
        have = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert have == set(perms), code
