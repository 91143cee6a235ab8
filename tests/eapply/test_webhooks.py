"""Webhooks reach a real HTTP server on loopback, signed with HMAC-SHA256, without personal data."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from kotodx.eapply import services
from kotodx.eapply.models import Webhook


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_is_delivered_signed(personas, procedure, django_capture_on_commit_callbacks):
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Receiver.received = []
    try:
        Webhook.objects.create(
            department=personas.dept_a, url=f"http://127.0.0.1:{server.server_port}/hook", secret="s3cret"
        )
        submission, _key = services.submission_start(procedure=procedure)
        services.submission_save_page(
            submission=submission,
            page_id="applicant",
            answers={"applicant_name": "江東 花子", "email": "hanako@example.jp", "has_kids": False},
            uploads={},
        )
        services.submission_save_page(
            submission=submission, page_id="docs", answers={"doc": None}, uploads={}
        )
        with django_capture_on_commit_callbacks(execute=True):
            submission = services.submission_submit(submission=submission)
    finally:
        server.shutdown()
    assert len(_Receiver.received) == 1
    headers, body = _Receiver.received[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Kotodx-Signature"] == expected and headers["X-Kotodx-Event"] == "submission.received"
    payload = json.loads(body)
    assert payload["reference_number"] == submission.reference_number
    assert "江東 花子" not in body.decode() and "hanako" not in body.decode()
