from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "kotodx.opendata"
    label = "opendata"
    verbose_name = "オープンデータ"
