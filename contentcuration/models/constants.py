"""Reference tables filled from ``le-utils``: kinds, file formats, presets, licenses, languages.

They are rows (not Python enums) because nodes and files point at them with foreign keys, the
admin lists them, and the export writes them out. ``reference_loading.load_constants`` fills them; it
runs in a migration and in ``manage.py loadconstants`` and is idempotent.
"""

from django.db import models


class ContentKind(models.Model):
    kind = models.CharField(primary_key=True, max_length=200)

    def __str__(self) -> str:
        return self.kind


class FileFormat(models.Model):
    extension = models.CharField(primary_key=True, max_length=40)
    mimetype = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.extension


class FormatPreset(models.Model):
    id = models.CharField(primary_key=True, max_length=150)
    readable_name = models.CharField(max_length=400)
    multi_language = models.BooleanField(default=False)
    supplementary = models.BooleanField(default=False)
    thumbnail = models.BooleanField(default=False)
    subtitle = models.BooleanField(default=False)
    display = models.BooleanField(default=True)
    order = models.IntegerField(default=0)
    kind = models.ForeignKey(
        ContentKind, related_name="format_presets", null=True, blank=True, on_delete=models.SET_NULL
    )
    allowed_formats = models.ManyToManyField(FileFormat, blank=True)

    def __str__(self) -> str:
        return self.id


class License(models.Model):
    id = models.IntegerField(primary_key=True)
    license_name = models.CharField(max_length=50, unique=True)
    license_url = models.URLField(blank=True)
    license_description = models.TextField(blank=True)
    copyright_holder_required = models.BooleanField(default=True)
    is_custom = models.BooleanField(default=False)
    exists = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.license_name


class Language(models.Model):
    id = models.CharField(primary_key=True, max_length=14)
    lang_code = models.CharField(max_length=3, db_index=True)
    lang_subcode = models.CharField(max_length=10, blank=True, null=True)
    readable_name = models.CharField(max_length=100, blank=True)
    native_name = models.CharField(max_length=100, blank=True)
    lang_direction = models.CharField(max_length=3, default="ltr")

    def __str__(self) -> str:
        return self.readable_name or self.id
