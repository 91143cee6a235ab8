"""``kotodx loaddemo``: the Koto plan and demo data of every installed module (idempotent)."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from kotodx.core.demo import DEMO_PASSWORD, STAFF


class Command(BaseCommand):
    help = "江東区の計画とデモデータを読み込みます（何度実行しても同じ結果になります）。"

    def handle(self, *args: Any, **options: Any) -> None:
        for config in apps.get_app_configs():
            if not config.name.startswith("kotodx."):
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name == f"{config.name}.demo":
                    continue
                raise
            self.stdout.write(f"[{config.verbose_name}] ")
            with transaction.atomic():
                module.load(actor=None, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("デモデータを読み込みました。デモ用の職員ログイン:"))
        for username, display, _dept, roles in STAFF:
            self.stdout.write(f"  {username:<16} / {DEMO_PASSWORD}   {display}（{', '.join(roles)}）")
