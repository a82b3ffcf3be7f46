"""ricecooker 0.8.0's own file-check and upload code (HEAD, upload_url, PUT, might_skip)
against a live server. The full chef run lives in the chef tests; this one pins the file
endpoints alone. Uses the ricecooker virtualenv the chef tests install (.venv-ricecooker,
or RICECOOKER_PYTHON) and is skipped when there is none."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from contentcuration.models import File
from contentcuration.storage import object_exists
from contentcuration.tests.files_helpers import reload_constants, token_for

pytestmark = [pytest.mark.ricecooker, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
RC_PYTHON = Path(os.environ.get("RICECOOKER_PYTHON", REPO / ".venv-ricecooker" / "bin" / "python"))

# Drives ChannelManager's file methods exactly as ``uploadchannel`` does, without a channel.
SCRIPT = r"""
import hashlib, json, os, sys, types
os.environ["STUDIO_URL"] = sys.argv[1]
from ricecooker import config
from ricecooker.managers.tree import ChannelManager

config.SESSION.headers.update({"Authorization": "Token " + sys.argv[2]})
config.PROGRESS_MANAGER = types.SimpleNamespace(set_uploading=lambda *a: None)
files = {}
for i, (ext, preset, duration) in enumerate(json.loads(sys.argv[3])):
    data = (b"\x89PNG\r\n\x1a\n" if ext == "png" else b"") + os.urandom(3000 + i)
    name = hashlib.md5(data).hexdigest() + "." + ext
    with open(config.get_storage_path(name), "wb") as handle:
        handle.write(data)
    files[name] = types.SimpleNamespace(
        skip_upload=False, size=len(data), checksum=name[:32], original_filename="file %d.%s" % (i, ext),
        get_filename=lambda n=name: n, extension=ext, get_preset=lambda p=preset: p, duration=duration,
    )
manager = ChannelManager.__new__(ChannelManager)
manager.file_map, manager.uploaded_files, manager.failed_uploads = files, [], {}
before = manager.get_file_diff(list(files))
manager.upload_files(list(files))
first_failures = dict(manager.failed_uploads)
after = manager.get_file_diff(list(files))
manager.uploaded_files = []
manager.upload_files(list(files))  # again: might_skip + HEAD 200 must skip the PUTs
print(json.dumps({"names": sorted(files), "missing_before": len(before), "failed": first_failures,
                  "missing_after": len(after), "failed_again": manager.failed_uploads}))
"""


@pytest.mark.django_db(transaction=True)
def test_ricecooker_uploads_files_and_then_finds_them_stored(live_server, tmp_path):
    if not RC_PYTHON.exists():
        pytest.skip(f"no ricecooker virtualenv at {RC_PYTHON} (the chef tests create it)")
    reload_constants()
    from contentcuration.tests.factories import UserFactory

    user = UserFactory()
    specs = [["pdf", "document", None], ["mp3", "audio", 2], ["png", "channel_thumbnail", None]]
    result = subprocess.run(
        [str(RC_PYTHON), "-c", SCRIPT, live_server.url, token_for(user), json.dumps(specs)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["missing_before"] == 3
    assert report["failed"] == {} and report["missing_after"] == 0 and report["failed_again"] == {}
    for name in report["names"]:
        checksum, ext = name.split(".")
        assert object_exists(checksum, ext)
        assert File.objects.filter(checksum=checksum, file_format_id=ext, uploaded_by=user).count() == 2
    assert set(File.objects.filter(file_format_id="mp3").values_list("duration", flat=True)) == {2}
