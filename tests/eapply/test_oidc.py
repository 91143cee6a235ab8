"""Optional sign-in of residents by OpenID Connect, against a real OpenID provider on loopback
(tests/eapply/oidc_op.py): the whole flow through Django's test client (discovery, PKCE, state, nonce,
signed ID token, userinfo), pre-fill of name, reading, Koto address, e-mail and birth date, the record on
the submission and the staff page, sign-out, and every failure as a Japanese page that lets the resident
go on without signing in."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from kotodx.core import services as core_services
from kotodx.core.models import AuditEntry, User
from kotodx.eapply import oidc, services
from kotodx.eapply.models import Procedure, Submission
from tests.eapply.oidc_op import KOTO_RESIDENT, OpenIDProvider

DEFINITION = {
    "title": "粗大ごみ収集の申込",
    "pages": [
        {
            "id": "applicant",
            "title": "申請者について",
            "fields": [
                {"id": "applicant_name", "type": "text", "label": "氏名", "required": True, "max_length": 30},
                {"id": "applicant_kana", "type": "text", "label": "氏名（フリガナ）", "required": False},
                {
                    "id": "birth_date",
                    "type": "date",
                    "label": "生年月日",
                    "required": True,
                    "max_date": "today",
                },
                {"id": "home_address", "type": "address", "label": "お住まいの住所", "required": True},
                {"id": "email", "type": "email", "label": "メールアドレス", "required": True},
                {"id": "partner_name", "type": "text", "label": "配偶者の氏名", "required": False},
            ],
        },
        {
            "id": "pickup",
            "title": "収集について",
            "fields": [
                {"id": "pickup_address", "type": "address", "label": "収集する場所の住所", "required": True},
            ],
        },
    ],
}
SIGNIN = "マイナンバーカード等でサインイン（任意）"


@pytest.fixture
def procedure(personas) -> Procedure:
    p = services.procedure_save(
        procedure=None,
        actor=None,
        data={
            "slug": "sodai",
            "name": "粗大ごみ収集の申込",
            "category": "waste",
            "department": personas.dept_a,
            "description": "粗大ごみの収集を申し込みます。",
        },
    )
    services.form_save_draft(procedure=p, definition=DEFINITION, actor=None)
    services.form_publish(procedure=p, actor=None)
    return p


@pytest.fixture
def op(settings):
    provider = OpenIDProvider()
    settings.KOTODX_OIDC = provider.settings()
    yield provider
    provider.close()


def sign_in(client: Client, op: OpenIDProvider, slug: str = "sodai"):
    """The resident's round trip: our sign-in link → the provider → our callback. Returns the response
    of the callback."""
    start = client.get(reverse("eapply:signin") + f"?next={slug}")
    assert start.status_code == 302, start.content.decode()
    assert start["Location"].startswith(op.issuer + "/authorize?")
    back = op.authorize(start["Location"])
    assert back.startswith("http://testserver/apply/signin/callback/?")
    return client.get(back.removeprefix("http://testserver"))


def audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, target_type="eapply.resident"))


# --- unconfigured ----------------------------------------------------------------------------------


def test_no_sign_in_when_unconfigured(procedure, settings):
    settings.KOTODX_OIDC = {"issuer": "", "client_id": "", "client_secret": "", "label": SIGNIN}
    client = Client()
    page = client.get(reverse("eapply:procedure", args=["sodai"])).content.decode()
    assert "オンラインで申請する" in page
    assert SIGNIN not in page and "サインイン" not in page and "/apply/signin/" not in page
    assert client.get(reverse("eapply:signin") + "?next=sodai").status_code == 404
    assert client.get(reverse("eapply:signin_callback") + "?code=x&state=y").status_code == 404
    first = client.get(client.post(reverse("eapply:start", args=["sodai"]))["Location"]).content.decode()
    assert "江東 花子" not in first and "サインインした情報" not in first
    assert Submission.objects.get().verified_identity == {}


def test_issuer_alone_is_not_enough(procedure, settings):
    settings.KOTODX_OIDC = {"issuer": "https://op.example.jp", "client_id": ""}
    assert oidc.provider() is None
    assert SIGNIN not in Client().get(reverse("eapply:procedure", args=["sodai"])).content.decode()


# --- the whole flow --------------------------------------------------------------------------------


def test_sign_in_prefills_and_is_recorded(procedure, op, personas, django_capture_on_commit_callbacks):
    users_before = User.objects.count()
    client = Client()
    page = client.get(reverse("eapply:procedure", args=["sodai"])).content.decode()
    assert SIGNIN in page and "サインインしなくても申請できます" in page
    session_before = client.session.session_key

    start = client.get(reverse("eapply:signin") + "?next=sodai")
    request = parse_qs(urlsplit(start["Location"]).query)
    assert request["code_challenge_method"] == ["S256"] and request["response_type"] == ["code"]
    assert request["redirect_uri"] == ["http://testserver/apply/signin/callback/"]
    assert request["scope"][0].split() == ["openid", "profile", "email", "address"]
    assert request["state"][0] and request["nonce"][0]
    back = client.get(op.authorize(start["Location"]).removeprefix("http://testserver"))
    assert back.status_code == 302 and back["Location"] == reverse("eapply:procedure", args=["sodai"])

    # The provider was really used: discovery, token with the PKCE verifier, keys, userinfo.
    paths = [(m, p) for m, p, _ in op.seen]
    assert ("POST", "/token") in paths and ("GET", "/jwks") in paths and ("GET", "/userinfo") in paths
    token_request = next(q for m, p, q in op.seen if p == "/token")
    assert token_request["code_verifier"] and "client_secret" not in token_request  # secret in Basic auth

    # Not a user: the identity is in the session only, under a new session key.
    assert User.objects.count() == users_before
    identity = client.session[oidc.SESSION_KEY]
    assert identity["iss"] == op.issuer and identity["sub"] == "resident-0001"
    assert identity["claims"]["name"] == "江東 花子" and identity["claims"]["kana"] == "コウトウ ハナコ"
    assert client.session.session_key != session_before
    [entry] = audit("login")
    assert entry.after == {"issuer": op.issuer, "subject": "resident-0001"} and "江東" not in str(entry.after)

    shown = client.get(back["Location"]).content.decode()
    assert "サインインしました" in shown and "サインインしています" in shown and "サインアウトする" in shown
    assert SIGNIN not in shown

    # Starting the form: the applicant's questions are filled in, editable; the partner's is not.
    first_url = client.post(reverse("eapply:start", args=["sodai"]))["Location"]
    first = client.get(first_url).content.decode()
    assert 'value="江東 花子"' in first and 'value="コウトウ ハナコ"' in first
    assert 'value="1990年4月1日"' in first and 'value="hanako@example.jp"' in first
    assert '<option value="東陽四丁目" selected>' in first and 'value="11番28号"' in first
    assert "サインインした情報から入力しました" in first
    submission = Submission.objects.get()
    assert "partner_name" not in submission.answers and "pickup_address" not in submission.answers
    assert submission.answers["home_address"] == {"town": "東陽四丁目", "detail": "11番28号"}

    # The resident corrects the name (pre-filled values stay editable) and applies.
    posted = {
        "applicant_name": "江東 はなこ",
        "applicant_kana": "コウトウ ハナコ",
        "birth_date": "1990年4月1日",
        "home_address_0": "東陽四丁目",
        "home_address_1": "11番28号",
        "email": "hanako@example.jp",
        "partner_name": "",
    }
    pickup_url = client.post(first_url, posted)["Location"]
    pickup = client.get(pickup_url).content.decode()
    assert "selected>" not in pickup.replace('<option value="" selected>', "")  # not the home address
    check_url = client.post(pickup_url, {"pickup_address_0": "木場一丁目", "pickup_address_1": "1-1"})[
        "Location"
    ]
    assert "本人確認済みの申請として受け付けます" in client.get(check_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(check_url)
    submission.refresh_from_db()
    assert submission.status == "received" and submission.applicant_name == "江東 はなこ"
    assert submission.verified_identity["issuer"] == op.issuer
    assert submission.verified_identity["subject"] == "resident-0001"
    assert submission.verified_identity["method"] == "oidc"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hanako@example.jp"]
    assert services.prefill_changed(submission) == ["氏名"]

    # Staff see it was made signed in, and what the resident changed.
    staff = Client()
    staff.force_login(personas.clerk_a)
    detail = staff.get(reverse("eapply:staff_submission", args=[submission.pk])).content.decode()
    assert "本人確認済み（OIDC）" in detail and "resident-0001" in detail and op.issuer in detail
    assert "変更された項目: 氏名" in detail
    _token, key = core_services.api_token_create(user=personas.clerk_a, name="robot", actor=personas.clerk_a)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(f"/api/eapply/submissions/{submission.pk}").json()
    assert api["verified"]["issuer"] == op.issuer and api["verified"]["subject"] == "resident-0001"
    assert api["verified"]["changed"] == ["氏名"]

    # Signing out clears the identity; a new application starts empty.
    out = client.post(reverse("eapply:signout"), {"next": "sodai"})
    assert out["Location"] == reverse("eapply:procedure", args=["sodai"])
    assert oidc.SESSION_KEY not in client.session
    assert SIGNIN in client.get(out["Location"]).content.decode()
    assert len(audit("logout")) == 1
    again = client.get(client.post(reverse("eapply:start", args=["sodai"]))["Location"]).content.decode()
    assert "江東 花子" not in again
    assert Submission.objects.exclude(pk=submission.pk).get().verified_identity == {}


def test_unsigned_submission_shows_no_verification(procedure, personas, django_capture_on_commit_callbacks):
    submission = services.submission_fill(
        procedure=procedure,
        values={
            "applicant_name": "江東 太郎",
            "birth_date": "1980-01-01",
            "home_address": "東陽四丁目 1-1",
            "email": "taro@example.jp",
            "pickup_address": "木場一丁目 1-1",
        },
    )
    staff = Client()
    staff.force_login(personas.clerk_a)
    detail = staff.get(reverse("eapply:staff_submission", args=[submission.pk])).content.decode()
    assert "本人確認済み（OIDC）" not in detail and "サインインせずに申請" in detail
    _token, key = core_services.api_token_create(user=personas.clerk_a, name="robot", actor=personas.clerk_a)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(f"/api/eapply/submissions/{submission.pk}").json()
    assert api["verified"] is None


def test_address_outside_koto_prefills_the_rest(procedure, op):
    op.claims = {
        **KOTO_RESIDENT,
        "address": {"region": "東京都", "locality": "千代田区", "street_address": "霞が関1-3-1"},
    }
    client = Client()
    back = sign_in(client, op)
    assert (
        "住所は江東区内の住所として読み取れなかったため、入力されません"
        in client.get(back["Location"]).content.decode()
    )
    client.get(client.post(reverse("eapply:start", args=["sodai"]))["Location"])
    answers = Submission.objects.get().answers
    assert answers["applicant_name"] == "江東 花子" and answers["email"] == "hanako@example.jp"
    assert answers["birth_date"] == "1990-04-01" and "home_address" not in answers


def test_family_and_given_name_without_address(procedure, op):
    op.claims = {"sub": "r2", "family_name": "深川", "given_name": "一郎", "birthdate": "0000-05-05"}
    client = Client()
    sign_in(client, op)
    client.get(client.post(reverse("eapply:start", args=["sodai"]))["Location"])
    answers = Submission.objects.get().answers
    assert answers == {"applicant_name": "深川 一郎"}  # a birth date without its year is not used


def test_a_claim_the_question_refuses_is_left_out(procedure, op):
    op.claims = {**KOTO_RESIDENT, "name": "寿限無" * 20, "email": "not an address"}
    client = Client()
    sign_in(client, op)
    client.get(client.post(reverse("eapply:start", args=["sodai"]))["Location"])
    answers = Submission.objects.get().answers
    assert "applicant_name" not in answers and "email" not in answers  # 30 characters at most; not e-mail
    assert answers["home_address"]["town"] == "東陽四丁目"


def test_public_client_without_secret(procedure, op, settings):
    settings.KOTODX_OIDC = op.settings(client_secret="")
    op.client_secret = ""  # the provider takes this client as public: PKCE alone
    client = Client()
    assert sign_in(client, op).status_code == 302
    token_request = next(q for m, p, q in op.seen if p == "/token")
    assert token_request["client_id"] == "kotodx-test" and token_request["code_verifier"]
    assert oidc.SESSION_KEY in client.session


# --- failures --------------------------------------------------------------------------------------


def assert_failed(
    response, message: str, status: int, reason: str, procedure_slug: str | None = "sodai"
) -> None:
    body = response.content.decode()
    assert response.status_code == status, body
    assert "サインインできませんでした" in body and message in body
    if procedure_slug:  # the resident can go on
        assert "サインインせずに申請する" in body
        assert reverse("eapply:start", args=[procedure_slug]) in body
    else:
        assert "手続きの一覧へ戻る" in body
    assert oidc.SESSION_KEY not in response.wsgi_request.session
    entry = AuditEntry.objects.filter(action="login_failed", target_type="eapply.resident").last()
    assert entry is not None and entry.note.endswith(reason), entry and entry.note


def test_provider_unreachable_at_start(procedure, settings):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.KOTODX_OIDC = {"issuer": f"http://127.0.0.1:{port}", "client_id": "kotodx-test", "timeout": 2}
    client = Client()
    response = client.get(reverse("eapply:signin") + "?next=sodai")
    assert_failed(response, "接続できませんでした", 502, "unreachable")
    # …and the resident applies without signing in.
    assert client.post(reverse("eapply:start", args=["sodai"])).status_code == 302


def test_provider_gone_before_the_token(procedure, op):
    client = Client()
    start = client.get(reverse("eapply:signin") + "?next=sodai")
    back = op.authorize(start["Location"])
    op.close()
    response = client.get(back.removeprefix("http://testserver"))
    assert_failed(response, "接続できませんでした", 502, "unreachable")


def test_resident_declines_at_the_provider(procedure, op):
    op.mode = "deny"
    response = sign_in(Client(), op)
    assert_failed(response, "サインインは取り消されました", 200, "access_denied")


def test_bad_state(procedure, op):
    client = Client()
    start = client.get(reverse("eapply:signin") + "?next=sodai")
    back = op.authorize(start["Location"])
    url = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    forged = client.get(url.path, {"code": query["code"], "state": "forged-state"})
    assert_failed(forged, "有効期限が切れたか", 400, "bad_state")
    assert not any(p == "/token" for _, p, _ in op.seen)  # nothing was exchanged


def test_callback_replayed(procedure, op):
    client = Client()
    start = client.get(reverse("eapply:signin") + "?next=sodai")
    back = op.authorize(start["Location"]).removeprefix("http://testserver")
    assert client.get(back).status_code == 302
    client.post(reverse("eapply:signout"))
    # The state was used once; the same answer again is refused (and signs nobody in).
    assert_failed(client.get(back), "有効期限が切れたか", 400, "bad_state", procedure_slug=None)


def test_callback_in_another_browser(procedure, op):
    start = Client().get(reverse("eapply:signin") + "?next=sodai")
    back = op.authorize(start["Location"]).removeprefix("http://testserver")
    other = Client()
    response = other.get(back)
    assert response.status_code == 400 and "有効期限が切れたか" in response.content.decode()
    assert oidc.SESSION_KEY not in other.session


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("bad_nonce", "bad_nonce"),
        ("bad_signature", "bad_token:BadSignatureError"),
        ("expired", "expired"),
        ("wrong_aud", "bad_aud"),
        ("wrong_iss", "bad_iss"),
        ("userinfo_other_sub", "userinfo_subject_mismatch"),
    ],
)
def test_untrusted_id_token(procedure, op, mode, reason):
    op.mode = mode
    client = Client()
    response = sign_in(client, op)
    assert_failed(response, "応答を確認できなかった", 400, reason)
    assert not audit("login")


def test_discovery_naming_another_issuer(procedure, op):
    op.mode = "other_issuer_in_discovery"
    response = Client().get(reverse("eapply:signin") + "?next=sodai")
    assert_failed(response, "接続できませんでした", 502, "issuer_mismatch")


def test_failure_without_a_procedure(procedure, op):
    op.mode = "deny"
    client = Client()
    start = client.get(reverse("eapply:signin"))
    response = client.get(op.authorize(start["Location"]).removeprefix("http://testserver"))
    assert response.status_code == 200 and "手続きの一覧へ戻る" in response.content.decode()


def test_signin_is_rate_limited(procedure, op, settings):
    settings.EAPPLY_START_LIMIT = 2
    # An address of its own: on Redis the count outlives a test, and other tests sign in from 127.0.0.1.
    client = Client(REMOTE_ADDR="192.0.2.41")
    for _ in range(2):
        assert client.get(reverse("eapply:signin") + "?next=sodai").status_code == 302
    limited = client.get(reverse("eapply:signin") + "?next=sodai")
    assert limited.status_code == 429 and "しばらくお待ちください" in limited.content.decode()


# --- claims and addresses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ({"formatted": "〒135-0016 東京都江東区東陽4丁目11番28号"}, ("東陽四丁目", "11番28号")),
        (
            {"region": "東京都", "locality": "江東区", "street_address": "東陽4-11-28"},
            ("東陽四丁目", "11-28"),
        ),
        (
            {"locality": "江東区", "street_address": "豊洲三丁目2-20 豊洲ビル301"},
            ("豊洲三丁目", "2-20 豊洲ビル301"),
        ),
        ("東京都江東区東陽四丁目11-28", ("東陽四丁目", "11-28")),
        ("江東区冬木1-1", ("冬木", "1-1")),
        ("日本 東京都 江東区 亀戸９丁目１－１", ("亀戸九丁目", "1-1")),
        ({"region": "東京都", "locality": "千代田区", "street_address": "東陽4-11-28"}, None),
        ({"region": "大阪府", "locality": "江東区", "street_address": "東陽4-11-28"}, None),
        ({"formatted": "東京都千代田区霞が関1-3-1"}, None),
        ({"street_address": "東陽4-11-28"}, None),  # no city named: not known to be Koto
        ("東京都江東区霞が関1-1", None),  # not a Koto 町丁目
        ("", None),
        (None, None),
    ],
)
def test_koto_address(claim, expected):
    result = services.koto_address(claim)
    assert (result and (result["town"], result["detail"])) == expected or result == expected


def test_identity_keeps_only_what_prefill_needs():
    claims = {
        "sub": "x",
        "name": "江東 花子",
        "email": "h@example.jp",
        "phone_number": "090-0000-0000",
        "gender": "female",
        "birthdate": "1990",
        "address": {"formatted": "東京都江東区東陽4-11-28", "foo": "bar"},
    }
    identity = oidc.identity_from_claims(claims)
    assert identity == {
        "name": "江東 花子",
        "kana": "",
        "email": "h@example.jp",
        "birthdate": "",
        "address": {"formatted": "東京都江東区東陽4-11-28"},
    }


def test_demo_forms_prefill_the_applicant_only():
    import json

    from kotodx.eapply.formdef import FORMS_DIR

    claims = oidc.identity_from_claims(KOTO_RESIDENT)
    for name, expected in {
        "juminhyo.json": {"applicant_name", "applicant_kana", "birth_date", "home_address", "email"},
        "hoiku-riyou.json": {"applicant_name", "applicant_kana", "home_address", "email"},
        "sodai-gomi.json": {"applicant_name", "applicant_kana", "email"},  # not the pickup place
        "risai-shomei.json": {"applicant_name", "applicant_kana", "email"},  # not the damaged building
    }.items():
        definition = json.loads((FORMS_DIR / name).read_text(encoding="utf-8"))
        assert set(services.prefill_answers(definition, claims)) == expected, name
