from django.apps import AppConfig


class ContentCurationConfig(AppConfig):
    name = "contentcuration"
    verbose_name = "Content curation"
    default_auto_field = "django.db.models.BigAutoField"
