"""Loading the le-utils reference data into the constant tables.

``load_constants`` takes an ``apps`` registry so the same code serves the data migration
(historical models) and ``manage.py loadconstants`` (current models).
"""

from __future__ import annotations

from django.apps import apps as global_apps
from le_utils.constants import content_kinds, file_formats, format_presets, languages, licenses


def language_id(language) -> str:
    return f"{language.primary_code}-{language.subcode}" if language.subcode else language.primary_code


def load_constants(apps=global_apps) -> dict[str, int]:
    """Upsert every kind, format, preset, license and language le-utils knows.

    Idempotent: rows are updated in place, nothing is deleted (nodes may still point at a
    constant a newer le-utils dropped). Returns the number of rows per table.
    """
    ContentKind = apps.get_model("contentcuration", "ContentKind")
    FileFormat = apps.get_model("contentcuration", "FileFormat")
    FormatPreset = apps.get_model("contentcuration", "FormatPreset")
    License = apps.get_model("contentcuration", "License")
    Language = apps.get_model("contentcuration", "Language")

    for kind in content_kinds.KINDLIST:
        ContentKind.objects.update_or_create(kind=kind.id)
    for fmt in file_formats.FORMATLIST:
        FileFormat.objects.update_or_create(extension=fmt.id, defaults={"mimetype": fmt.mimetype})
    for preset in format_presets.PRESETLIST:
        obj, _ = FormatPreset.objects.update_or_create(
            id=preset.id,
            defaults={
                "readable_name": preset.readable_name,
                "multi_language": preset.multi_language,
                "supplementary": preset.supplementary,
                "thumbnail": preset.thumbnail,
                "subtitle": preset.subtitle,
                "display": preset.display,
                "order": preset.order,
                "kind_id": preset.kind,
            },
        )
        allowed = [FileFormat.objects.get_or_create(extension=ext)[0] for ext in preset.allowed_formats]
        obj.allowed_formats.set(allowed)
    for lic in licenses.LICENSELIST:
        License.objects.update_or_create(
            id=lic.id,
            defaults={
                "license_name": lic.name,
                "license_url": lic.url or "",
                "license_description": lic.description or "",
                "copyright_holder_required": lic.copyright_holder_required,
                "is_custom": lic.custom,
                "exists": lic.exists,
            },
        )
    for lang in languages.LANGUAGELIST:
        Language.objects.update_or_create(
            id=language_id(lang),
            defaults={
                "lang_code": lang.primary_code,
                "lang_subcode": lang.subcode,
                "readable_name": lang.name or "",
                "native_name": lang.native_name or "",
                "lang_direction": lang.text_direction or "ltr",
            },
        )
    if apps is global_apps:  # a migration's historical models are not what the cache holds
        from contentcuration.nodes.reference import forget_reference_data

        forget_reference_data()
    return {
        "kinds": ContentKind.objects.count(),
        "formats": FileFormat.objects.count(),
        "presets": FormatPreset.objects.count(),
        "licenses": License.objects.count(),
        "languages": Language.objects.count(),
    }
