from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "kotodx.assistant"
    label = "assistant"
    verbose_name = "AIアシスタント"
