"""The one cache of reference data (kinds, languages, licenses, format presets) that node
writes are checked against, whatever the entry point.

The tables change only when ``loadconstants`` runs (``reference_loading.load_constants``), which
empties this process's copy; other processes (web workers started before it) re-read within
``REFERENCE_TTL`` seconds. Before, the sync handler cached them for the life of the process
(a language added by ``loadconstants`` was refused until a restart) and the chef API for five
minutes. Reading costs 6 queries, a third of a chef ``add_nodes`` call, hence a cache at all.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from contentcuration.models import ContentKind, FormatPreset, Language, License

REFERENCE_TTL = 60.0  # seconds a process may answer from an old copy after loadconstants
_lock = threading.Lock()
_cached: tuple[float, ReferenceData] | None = None


@dataclass(frozen=True)
class ReferenceData:
    """The constant tables as one snapshot."""

    kinds: frozenset[str]
    languages: frozenset[str]
    licenses: dict[int, License]  # id -> row
    licenses_by_name: dict[str, License]  # lower-case name -> row (how chefs name them)
    presets: dict[str, FormatPreset]
    preset_formats: dict[str, frozenset[str]]

    @classmethod
    def read(cls) -> ReferenceData:
        presets = {p.id: p for p in FormatPreset.objects.all()}
        formats: dict[str, set[str]] = {p: set() for p in presets}
        for preset_id, ext in FormatPreset.allowed_formats.through.objects.values_list(
            "formatpreset_id", "fileformat_id"
        ):
            formats[preset_id].add(ext)
        licenses = {lic.pk: lic for lic in License.objects.all()}
        return cls(
            kinds=frozenset(ContentKind.objects.values_list("kind", flat=True)),
            languages=frozenset(Language.objects.values_list("id", flat=True)),
            licenses=licenses,
            licenses_by_name={lic.license_name.lower(): lic for lic in licenses.values()},
            presets=presets,
            preset_formats={p: frozenset(f) for p, f in formats.items()},
        )


def reference_data() -> ReferenceData:
    """The tables as of at most REFERENCE_TTL seconds ago (or since loadconstants ran here)."""
    global _cached
    with _lock:
        now = time.monotonic()
        if _cached is None or now - _cached[0] > REFERENCE_TTL:
            _cached = (now, ReferenceData.read())
        return _cached[1]


def forget_reference_data() -> None:
    """Drop this process's copy: the next ``reference_data()`` reads the tables again."""
    global _cached
    with _lock:
        _cached = None
