"""Previews of HTML5 apps and H5P: entries of a stored zip served over real HTTP at
Kolibri's zipcontent paths, with types, a sandboxing CSP, ranges, and no way out of the
archive."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from django.test import Client

from contentcuration import storage
from contentcuration.tests import media_fixtures as media
from contentcuration.tests.files_helpers import raw_request, reload_constants


@pytest.fixture
def app(transactional_db, live_server):
    reload_constants()
    data = media.html5_app()
    checksum, _ = storage.save_bytes(data, "zip")
    return f"{live_server.url}/zipcontent/{checksum}.zip", data


def get(url: str, **headers):
    return raw_request("GET", url, headers=headers)


def test_the_entry_page_is_served_sandboxed_and_frameable_only_by_our_pages(app):
    base, _ = app
    status, body, headers = get(f"{base}/")
    assert status == 200
    assert b"<title>Fraction &amp; pie</title>" in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    csp = headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts") and "allow-same-origin" not in csp
    assert "frame-ancestors 'self'" in csp
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in headers
    assert get(f"{base}/index.html")[1] == body


@pytest.mark.parametrize(
    ("path", "content_type", "start"),
    [
        ("js/app.js", "text/javascript; charset=utf-8", b"document.body"),
        ("img/pie.png", "image/png", b"\x89PNG"),
        ("media/clip.webm", "video/webm", b"\x1a\x45\xdf\xa3"),
    ],
)
def test_relative_entries_are_served_with_their_types(app, path, content_type, start):
    base, _ = app
    status, body, headers = get(f"{base}/{path}")
    assert status == 200 and headers["Content-Type"] == content_type and body.startswith(start)
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_media_inside_an_app_is_served_by_ranges_and_revalidated_by_etag(app):
    base, _ = app
    whole = get(f"{base}/media/clip.webm")[1]
    status, body, headers = get(f"{base}/media/clip.webm", Range="bytes=100-199")
    assert status == 206 and body == whole[100:200]
    assert headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    status, _, _ = get(f"{base}/media/clip.webm", **{"If-None-Match": headers["ETag"]})
    assert status == 304
    assert get(f"{base}/media/clip.webm", Range=f"bytes={len(whole)}-")[0] == 416


@pytest.mark.parametrize(
    "path",
    [
        "../../../../etc/passwd",
        "js/../index.html",
        "%2e%2e/%2e%2e/etc/passwd",
        "js/..%2f..%2fsettings.py",
        "/etc/passwd",
        "js\\app.js",
        "js/",  # a folder without its own index.html
        "missing.html",
    ],
)
def test_paths_outside_or_not_in_the_archive_are_not_found(app, path):
    base, _ = app
    status, body, _ = get(f"{base}/{path}")
    assert status in (400, 404), (status, body[:200])
    assert b"root:" not in body


def test_unstored_and_non_archive_objects_are_not_served(app, live_server):
    base, _ = app
    assert get(f"{live_server.url}/zipcontent/{'0' * 32}.zip/index.html")[0] == 404
    pdf, _ = storage.save_bytes(b"%PDF-1.4 not an archive", "pdf")
    assert get(f"{live_server.url}/zipcontent/{pdf}.pdf/index.html")[0] == 404
    broken, _ = storage.save_bytes(b"PK\x03\x04 broken zip", "zip")
    assert get(f"{live_server.url}/zipcontent/{broken}.zip/index.html")[0] == 422


def test_an_h5p_s_entries_are_served_at_the_same_kind_of_path(app, live_server):
    checksum, _ = storage.save_bytes(media.h5p(), "h5p")
    status, body, headers = get(f"{live_server.url}/zipcontent/{checksum}.h5p/h5p.json")
    assert status == 200 and b'"Fractions game"' in body
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Access-Control-Allow-Origin"] == "*"  # the player's fetches come from an opaque origin


def test_previews_need_no_sign_in_like_the_content_they_come_from(app):
    """Decision: entries are as public as ``/content/storage/<md5>.zip`` itself (anyone with the
    md5 can fetch the archive); the sandbox, not a permission check, protects users."""
    base, data = app
    checksum = base.rsplit("/", 1)[1].split(".")[0]
    whole_url = base.replace(f"/zipcontent/{checksum}.zip", storage.content_url(checksum, "zip"))
    status, body, _ = get(whole_url)
    assert status == 200 and body == data
    assert get(f"{base}/index.html")[0] == 200


PROBE = """<!doctype html><html><body><script>
var seen = [];
try { seen.push("cookie:" + document.cookie); } catch (e) { seen.push("cookie-blocked:" + e.name); }
seen.push("origin:" + self.origin);
document.body.setAttribute("data-seen", seen.join("|"));
</script></body></html>"""


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium")
def test_in_a_real_browser_an_app_page_runs_in_an_opaque_origin_without_cookies(transactional_db, live_server):
    """Chromium applies the CSP sandbox even to a page opened directly (no iframe): its script
    runs, but cannot read cookies and its origin is opaque ("null")."""
    reload_constants()
    checksum, _ = storage.save_bytes(media.zip_bytes({"index.html": PROBE}), "zip")
    result = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         f"{live_server.url}/zipcontent/{checksum}.zip/"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    seen = re.search(r'data-seen="([^"]*)"', result.stdout)
    assert seen, (result.returncode, result.stdout[-500:], result.stderr[-1500:])
    assert seen.group(1) == "cookie-blocked:SecurityError|origin:null"


# --- H5P: the player page at the archive's root ------------------------------------------------


@pytest.fixture
def game(transactional_db, live_server):
    reload_constants()
    checksum, _ = storage.save_bytes(media.h5p(title="Halves game", language="es", text="¡Hola, mitades!"), "h5p")
    return checksum, f"{live_server.url}/zipcontent/{checksum}.h5p"


def player_options(body: bytes) -> dict:
    found = re.search(rb'<script id="h5p-options" type="application/json">(.*?)</script>', body, re.S)
    assert found, body[:500]
    return json.loads(found.group(1))


def test_an_h5p_s_root_is_the_player_page_pointed_at_the_archive_s_own_entries(game):
    checksum, base = game
    status, body, headers = get(f"{base}/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    csp = headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts") and "allow-same-origin" not in csp
    assert "frame-ancestors 'self'" in csp
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Cache-Control"] == "no-cache"  # the player's asset URLs change with a deploy
    assert "Set-Cookie" not in headers
    assert b'<html lang="es">' in body and b"<title>Halves game</title>" in body
    assert b'<script src="/static/app/h5p-player/main.bundle.js"></script>' in body
    assert player_options(body)["player"] == {
        "h5pJsonPath": f"/zipcontent/{checksum}.h5p",
        "contentJsonPath": f"/zipcontent/{checksum}.h5p/content",
        "librariesPath": f"/zipcontent/{checksum}.h5p",
        "frameJs": "/static/app/h5p-player/frame.bundle.js",
        "frameCss": "/static/app/h5p-player/styles/h5p.css",
        "embedType": "div",
    }
    # What the player then fetches, at those paths (from its opaque origin: CORS open).
    for path, start in [
        ("h5p.json", b'{"title": "Halves game"'),
        ("content/content.json", b'{"text": '),
        ("H5P.Hello-1.0/library.json", b'{"title": "Hello"'),
        ("H5P.Hello-1.0/hello.js", b"var H5P = H5P || {};"),
    ]:
        status, entry, entry_headers = get(f"{base}/{path}")
        assert status == 200 and entry.startswith(start), (path, status, entry[:100])
        assert entry_headers["Access-Control-Allow-Origin"] == "*"


def test_the_player_page_escapes_what_the_h5p_json_says(transactional_db, live_server):
    reload_constants()
    hostile = '</title></script><script>alert("x")</script>'
    checksum, _ = storage.save_bytes(media.h5p(title=hostile, language='"><script>', text="hi"), "h5p")
    status, body, _ = get(f"{live_server.url}/zipcontent/{checksum}.h5p/")
    assert status == 200
    assert b'<script>alert("x")' not in body
    assert b'<html lang="en">' in body  # not a language tag: the page's own
    assert b"<title>&lt;/title&gt;&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</title>" in body


@pytest.mark.parametrize(
    "path",
    ["../h5p.json", "H5P.Hello-1.0/../h5p.json", "%2e%2e/h5p.json", "/h5p.json", "H5P.Hello-1.0/", "index.html"],
)
def test_an_h5p_s_paths_outside_or_not_in_the_archive_are_not_found(game, path):
    _, base = game
    status, body, _ = get(f"{base}/{path}")
    assert status in (400, 404), (status, body[:200])
    assert b"h5p-options" not in body


def test_an_archive_without_h5p_json_has_no_player_page(transactional_db, live_server):
    reload_constants()
    checksum, _ = storage.save_bytes(media.zip_bytes({"content/content.json": "{}"}), "h5p")
    assert get(f"{live_server.url}/zipcontent/{checksum}.h5p/")[0] == 404
    zip_checksum, _ = storage.save_bytes(media.h5p(text="hi"), "zip")  # the same bytes as a .zip: no player
    assert get(f"{live_server.url}/zipcontent/{zip_checksum}.zip/")[0] == 404


def test_the_player_page_needs_no_sign_in_like_every_zipcontent_entry(game, owner, viewer, stranger):
    """The same rule as ``test_previews_need_no_sign_in_like_the_content_they_come_from``: the
    owner, a viewer, a stranger and nobody at all get the same page; the sandbox protects them."""
    _, base = game
    path = base.split("://", 1)[1].split("/", 1)[1]
    anonymous = get(f"{base}/")[1]
    for user in (owner, viewer, stranger):
        client = Client()
        client.force_login(user)
        response = client.get(f"/{path}/")
        assert response.status_code == 200 and response.content == anonymous
