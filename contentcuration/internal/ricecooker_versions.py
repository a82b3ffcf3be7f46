"""The ricecooker version policy answered by ``check_version`` (docs/ricecooker-version-policy.md).

Thresholds follow Studio's ``ricecooker_versions.py`` so chefs see the same advice whichever
server they target. Status values are what ricecooker acts on: 0 info, 1 warning, 2 asks
"continue anyway?", 3 stops the run.
"""

from __future__ import annotations

import re

VERSION_OK = (0, 7, 3)  # 0.7.3 added the upload_url flow this server implements
VERSION_SOFT_WARNING = (0, 7, 0)
VERSION_HARD_WARNING = (0, 6, 21)

MESSAGES = {
    0: "Ricecooker v{} is up-to-date.",
    1: "You are using Ricecooker v{}, however v{} is available. You should consider upgrading your Ricecooker.",
    2: "Ricecooker v{} is deprecated. Any channels created with this version will be unlinked with any future upgrades. You are strongly recommended to upgrade to v{}.",
    3: "Ricecooker v{} is no longer compatible. You must upgrade to v{} to continue.",
}

_VERSION_RE = re.compile(r"^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def parse_version(value: str) -> tuple[int, int, int]:
    """``"0.8.0"`` -> (0, 8, 0); pre-release suffixes (``0.8.0b1``) count as that release.

    Raises ValueError for anything that does not start with a number.
    """
    match = _VERSION_RE.match(value or "")
    if not match:
        raise ValueError(f"{value!r} is not a version number")
    major, minor, patch = (int(g) if g else 0 for g in match.groups())
    return major, minor, patch


def version_status(version: str) -> tuple[int, str]:
    """(status, message) for a client reporting ``version``. Raises ValueError if unparsable."""
    parsed = parse_version(version)
    ok = ".".join(map(str, VERSION_OK))
    if parsed >= VERSION_OK:
        status = 0
    elif parsed >= VERSION_SOFT_WARNING:
        status = 1
    elif parsed >= VERSION_HARD_WARNING:
        status = 2
    else:
        status = 3
    return status, MESSAGES[status].format(version, ok)
