"""A procedure with a small published form, as the e-application tests use it."""

from __future__ import annotations

import pytest

from kotodx.eapply import services
from kotodx.eapply.models import Procedure

DEFINITION = {
    "title": "テスト申請",
    "pages": [
        {
            "id": "applicant",
            "title": "申請者",
            "fields": [
                {"id": "applicant_name", "type": "text", "label": "氏名", "required": True, "max_length": 20},
                {"id": "email", "type": "email", "label": "メールアドレス", "required": True},
                {"id": "has_kids", "type": "yesno", "label": "お子さんの有無", "required": True},
            ],
        },
        {
            "id": "kids",
            "title": "お子さん",
            "show_if": {"field": "has_kids", "equals": True},
            "fields": [
                {"id": "kid_name", "type": "text", "label": "お子さんの氏名", "required": True},
                {
                    "id": "kid_birth",
                    "type": "date",
                    "label": "お子さんの生年月日",
                    "required": True,
                    "max_date": "today",
                },
            ],
        },
        {
            "id": "docs",
            "title": "書類",
            "fields": [
                {"id": "doc", "type": "file", "label": "本人確認書類", "accept": ["pdf", "png"], "max_mb": 1},
            ],
        },
    ],
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def procedure(personas) -> Procedure:
    p = services.procedure_save(
        procedure=None,
        actor=None,
        data={
            "slug": "test-proc",
            "name": "テスト手続",
            "category": "childcare",
            "department": personas.dept_a,
            "description": "テスト用の手続きです。",
            "retention_days": 30,
        },
    )
    services.form_save_draft(procedure=p, definition=DEFINITION, actor=None)
    services.form_publish(procedure=p, actor=None)
    return p
