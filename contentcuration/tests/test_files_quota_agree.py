"""One quota rule (files/quota.check_space) for every upload path: the upload announcement
(what Studio clients use), the batch announcement (what the browser's queue uses), the chef's legacy ``file_upload`` and the chef's
``add_nodes`` give the same verdict for the same user state (issue 11: the chef paths trusted
the cached ``disk_space_used`` and counted any File row of the user as "already owned").
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from contentcuration.models import ContentNode, File
from contentcuration.tests.factories import build_tree, make_channel, make_file
from contentcuration.tests.files_helpers import announcement, random_bytes, token_for
from contentcuration.tests.sync_helpers import browser_client
from contentcuration.tests.test_chef_api import Chef, file_dict, node_dict, stored

ALLOWANCE = 1000
ENTRY_POINTS = ("upload_url", "upload_urls", "chef_file_upload", "chef_add_nodes")


def upload(entry: str, user, data: bytes) -> tuple[int, str]:
    """Send ``data`` as a new PDF through ``entry``; (status, error text or "")."""
    if entry == "upload_url":
        response = browser_client(user).post(
            "/api/file/upload_url", data=json.dumps(announcement(data)), content_type="application/json"
        )
        return response.status_code, response.json().get("detail", "")
    if entry == "upload_urls":  # a batch of one: the entry carries the single announcement's answer
        response = browser_client(user).post(
            "/api/file/upload_urls", data=json.dumps({"files": [announcement(data)]}), content_type="application/json"
        )
        assert response.status_code == 200, response.content
        (answer,) = response.json()["files"]
        return answer["status"], answer["body"].get("detail", "")
    name = f"{hashlib.md5(data).hexdigest()}.pdf"
    if entry == "chef_file_upload":
        response = Client().post(
            "/api/internal/file_upload",
            {"file": SimpleUploadedFile(name, data)},
            HTTP_AUTHORIZATION=f"Token {token_for(user)}",
        )
    else:
        chef = Chef(Client(), user)
        root_id = chef.create_channel()
        stored(data, "pdf")
        doc = node_dict("document", name, files=[file_dict(name, "document", size=len(data))])
        response = chef.post("add_nodes", {"root_id": root_id, "content_data": [doc]})
    return response.status_code, response.json().get("error", "")


def state_fits(user):
    make_file(uploaded_by=user, data=random_bytes(500))
    return random_bytes(400)


def state_over(user):
    make_file(uploaded_by=user, data=random_bytes(500))
    return random_bytes(600)


def state_cached_figure_too_low(user):
    make_file(uploaded_by=user, data=random_bytes(900))
    user.disk_space_used = 0  # stale: usage is 900
    user.save()
    return random_bytes(200)


def state_cached_figure_too_high(user):
    user.disk_space_used = 990  # stale: usage is 0
    user.save()
    return random_bytes(200)


def state_already_counted(user):
    data = random_bytes(900)
    make_file(uploaded_by=user, data=data)  # the user's own unattached upload: counted
    return data


def state_uploaded_but_not_counted(user):
    make_file(uploaded_by=user, data=random_bytes(900))
    data = random_bytes(200)
    gone = make_channel(owner=user, name="Deleted", deleted=True)
    (doc,) = build_tree(gone.main_tree, ["document"])
    make_file(contentnode=doc, uploaded_by=user, data=data)  # in a deleted channel: not counted
    return data


STATES = {
    state_fits: True,
    state_over: False,
    state_cached_figure_too_low: False,
    state_cached_figure_too_high: True,
    state_already_counted: True,
    state_uploaded_but_not_counted: False,
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("state", list(STATES), ids=[s.__name__[6:] for s in STATES])
def test_every_upload_path_gives_the_same_quota_verdict(owner, isolated_storage, entry, state):
    owner.disk_space = ALLOWANCE
    owner.save()
    data = state(owner)
    files_before = File.objects.count()
    documents_before = ContentNode.objects.filter(kind_id="document").count()

    status, error = upload(entry, owner, data)

    if STATES[state]:
        assert status == 200, error
    else:
        assert status == 412
        assert "Not enough space" in error
        assert File.objects.count() == files_before  # nothing written
        assert ContentNode.objects.filter(kind_id="document").count() == documents_before
