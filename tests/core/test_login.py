"""Staff login: generic failure message, rate limit, remembered page, TOTP, Argon2, logout by POST."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kotodx.core import services
from tests.conftest import PASSWORD, client_for

GENERIC = "ログインID、パスワード、または確認コードが正しくありません。"


def login(client, username, password, **extra):
    return client.post(reverse("core:login"), {"username": username, "password": password, **extra})


def test_login_reaches_staff_home(personas):
    client = client_for(None)
    response = login(client, "t.clerk_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("core:staff_home")
    assert "子育て支援課" in client.get(reverse("core:staff_home")).content.decode()


@pytest.mark.parametrize(("username", "password"), [("t.clerk_a", "wrong-password"), ("nobody", PASSWORD)])
def test_wrong_login_gives_one_message_without_hint(personas, username, password):
    response = login(client_for(None), username, password)
    body = response.content.decode()
    assert response.status_code == 200
    assert GENERIC in body
    assert "存在しません" not in body and "ユーザー" not in body


def test_empty_fields_are_named(db):
    body = login(client_for(None), "", "").content.decode()
    assert "入力内容に誤りがあります" in body
    assert "ログインID" in body and "パスワード" in body


def test_lockout_after_repeated_failures(personas, settings):
    client = client_for(None)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "t.clerk_a", "wrong-password")
    # Even the right password is refused while locked.
    response = login(client, "t.clerk_a", PASSWORD)
    assert response.status_code == 429
    assert "一時的に停止" in response.content.decode()
    # Another login ID from the same address is not locked.
    assert login(client_for(None), "t.clerk_b", PASSWORD).status_code == 302


def test_next_page_is_remembered_and_foreign_urls_are_refused(personas):
    client = client_for(None)
    target = reverse("core:token_list")
    page = client.get(f"{reverse('core:login')}?next={target}").content.decode()
    assert "続けるにはログインしてください" in page
    assert login(client, "t.clerk_a", PASSWORD, next=target)["Location"] == target
    client = client_for(None)
    assert login(client, "t.clerk_a", PASSWORD, next="https://evil.example/")["Location"] == reverse(
        "core:staff_home"
    )


def test_expired_session_goes_back_to_login_with_the_page(personas):
    client = client_for(None)
    login(client, "t.clerk_a", PASSWORD)
    client.session.flush()  # what expiry does: the server no longer knows the session
    session = client.session
    session.set_expiry(-1)
    session.save()
    url = reverse("core:audit_list")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('core:login')}?next={url}"


def test_logout_needs_post(personas):
    client = client_for(personas.clerk_a)
    assert client.get(reverse("core:logout")).status_code == 405
    assert client.post(reverse("core:logout")).status_code == 302
    assert client.get(reverse("core:staff_home")).status_code == 302


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_argon2(personas):
    user = services.staff_upsert(
        username="argon",
        display_name="a",
        department=personas.dept_a,
        roles=["dept_clerk"],
        password="another-good-pass-1",
        actor=None,
    )
    assert user.password.startswith("argon2$")


def _confirmed_device(user):
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)


def _code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_totp_required_once_set_up(personas):
    device = _confirmed_device(personas.clerk_a)
    client = client_for(None)
    assert GENERIC in login(client, "t.clerk_a", PASSWORD).content.decode()
    assert GENERIC in login(client, "t.clerk_a", PASSWORD, otp_token="000000").content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down retries after a wrong code; not what this test is about
    response = login(client, "t.clerk_a", PASSWORD, otp_token=_code(device))
    assert response.status_code == 302
    assert client.get(reverse("core:staff_home")).status_code == 200


def test_totp_failures_count_towards_the_lockout(personas, settings):
    _confirmed_device(personas.clerk_a)
    client = client_for(None)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "t.clerk_a", PASSWORD, otp_token="000000")
    assert login(client, "t.clerk_a", PASSWORD, otp_token="000000").status_code == 429


def test_totp_setup_page_confirms_with_a_code(personas):
    client = client_for(personas.clerk_b)
    page = client.get(reverse("core:otp_setup"))
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=personas.clerk_b, confirmed=False)
    wrong = client.post(reverse("core:otp_setup"), {"token": "12345"})
    assert "確認コード" in wrong.content.decode() and wrong.status_code == 200
    ok = client.post(reverse("core:otp_setup"), {"token": _code(device)})
    assert ok.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_password_change(personas):
    client = client_for(personas.clerk_a)
    bad = client.post(
        reverse("core:password_change"),
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert "入力内容に誤りがあります" in bad.content.decode()
    ok = client.post(
        reverse("core:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-pass-77",
            "new_password2": "a-much-better-pass-77",
        },
    )
    assert ok.status_code == 302
    assert login(client_for(None), "t.clerk_a", "a-much-better-pass-77").status_code == 302
