from django.apps import AppConfig


class A11yConfig(AppConfig):
    name = "kotodx.a11y"
    label = "a11y"
    verbose_name = "ウェブアクセシビリティ検査"
