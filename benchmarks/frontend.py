"""What the browser downloads for its first route: JavaScript + CSS, gzipped.

Target: <= 250 KB gzipped for `/` (issue 12; the app is code split by route). Run standalone:

    .venv/bin/python benchmarks/frontend.py            # builds first when sources changed (make frontend)
    .venv/bin/python benchmarks/frontend.py --no-build # measure frontend/dist as it is

Reads Vite's manifest (frontend/dist/.vite/manifest.json): a route loads the entry (index.html's
script and CSS), the route's view chunk and everything they import statically, each once.
Sizes are gzip level 9, as WhiteNoise's CompressedStaticFilesStorage serves them.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "frontend" / "dist"
TARGET_KB = 250
ENTRY = "index.html"
ROUTES = {
    "/ (channel list, signed in)": "src/views/ChannelListView.vue",
    "/accounts/login/ (signed out)": "src/views/accounts/SignInView.vue",
    "/channels/<id>/ (editor)": "src/views/ChannelEditView.vue",
    "/settings/": "src/views/SettingsView.vue",
}


def files_loaded(manifest: dict, keys: list[str]) -> list[str]:
    """Every JS and CSS file the chunks ``keys`` load up front (static imports, transitively)."""
    seen: set[str] = set()
    files: list[str] = []
    stack = list(keys)
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        chunk = manifest.get(key) or _shared_entry(manifest, key)
        files.append(chunk["file"])
        files.extend(chunk.get("css", []))
        stack.extend(chunk.get("imports", []))
    return sorted(set(files))


def _shared_entry(manifest: dict, key: str) -> dict:
    """A route's view that another chunk also imports (a card the catalog reuses) is keyed by
    its chunk name (``_ChannelListView-<hash>.js``), not its source path."""
    name = Path(key).stem
    return next(c for k, c in manifest.items() if c.get("name") == name and c.get("isDynamicEntry"))


def gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def main() -> int:
    if "--no-build" not in sys.argv:
        subprocess.run(["make", "-s", "frontend"], cwd=REPO, check=True)
    manifest = json.loads((DIST / ".vite" / "manifest.json").read_text())
    print(f"First-route download, JS + CSS gzipped (target for /: <= {TARGET_KB} KB)")
    worst_ok = True
    for route, view in ROUTES.items():
        files = files_loaded(manifest, [ENTRY, view])
        js = sum(gzipped_size(DIST / f) for f in files if f.endswith(".js"))
        css = sum(gzipped_size(DIST / f) for f in files if f.endswith(".css"))
        total_kb = (js + css) / 1024
        verdict = ""
        if route.startswith("/ "):
            ok = total_kb <= TARGET_KB
            worst_ok = worst_ok and ok
            verdict = "  OK" if ok else "  OVER TARGET"
        print(
            f"  {route:32s} {total_kb:7.1f} KB  (JS {js / 1024:.1f} KB, CSS {css / 1024:.1f} KB, {len(files)} files){verdict}"
        )
    return 0 if worst_ok else 1


if __name__ == "__main__":
    sys.exit(main())
