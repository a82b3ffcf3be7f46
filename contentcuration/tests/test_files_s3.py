"""The storage module and the /content views on an S3-compatible bucket (django-storages'
S3Storage, the backend settings switch to with AWS_STORAGE_BUCKET_NAME). The bucket is
outside the machine, so it is moto's in-process S3."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest
from django.test import Client
from moto import mock_aws

from contentcuration import storage
from contentcuration.garbage import collect_unreferenced_objects
from contentcuration.tests.factories import make_file
from contentcuration.tests.files_helpers import random_bytes

BUCKET = "content"


@pytest.fixture
def s3(settings, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": BUCKET, "file_overwrite": False, "default_acl": None},
            },
        }
        yield boto3.client("s3", region_name="us-east-1")


def bucket_keys(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_content_is_written_under_its_key_and_served_with_ranges(db, s3):
    data = random_bytes(5000)
    checksum, key = storage.save_bytes(data, "mp4")
    assert key in bucket_keys(s3)
    assert storage.object_size(key) == 5000
    head = Client().head(storage.content_url(checksum, "mp4"))
    assert head.status_code == 200 and head["Content-Length"] == "5000"
    ranged = Client().get(storage.content_url(checksum, "mp4"), HTTP_RANGE="bytes=10-19")
    assert ranged.status_code == 206 and b"".join(ranged.streaming_content) == data[10:20]


def test_a_range_request_fetches_only_that_range_from_the_bucket(db, s3):
    from django.core.files.storage import default_storage

    data = random_bytes(3 * 1024 * 1024)
    checksum, _key = storage.save_bytes(data, "mp4")
    asked: list[dict] = []
    events = default_storage.connection.meta.client.meta.events
    events.register("before-call.s3.GetObject", lambda params, **kw: asked.append(params), unique_id="range-spy")
    try:
        ranged = Client().get(storage.content_url(checksum, "mp4"), HTTP_RANGE="bytes=2000000-2000099")
        assert ranged.status_code == 206 and b"".join(ranged.streaming_content) == data[2000000:2000100]
        whole = Client().get(storage.content_url(checksum, "mp4"))
        assert whole.status_code == 200 and b"".join(whole.streaming_content) == data
    finally:
        events.unregister("before-call.s3.GetObject", unique_id="range-spy")
    # Each GET asked the bucket for exactly the bytes it answers with, never the whole
    # object first (django-storages' file object would spool it to a temporary file).
    assert [p["headers"].get("Range") for p in asked] == ["bytes=2000000-2000099", f"bytes=0-{len(data) - 1}"]


def test_saving_a_verified_upload_twice_keeps_one_object(db, s3, tmp_path):
    data = random_bytes()
    path = tmp_path / "part"
    path.write_bytes(data)
    checksum, _ = storage.save_bytes(data, "pdf")
    storage.save_verified_file(path=path, checksum=checksum, extension="pdf")
    assert bucket_keys(s3) == {storage.storage_key(checksum, "pdf")}


def test_databases_are_replaced_not_renamed(db, s3):
    channel_id = "d" * 32
    storage.save_channel_database(channel_id, b"one")
    storage.save_channel_database(channel_id, b"two")
    assert bucket_keys(s3) == {f"databases/{channel_id}.sqlite3"}
    with storage.open_channel_database(channel_id) as handle:
        assert handle.read() == b"two"


def test_garbage_collection_walks_the_bucket(db, s3):
    kept_data, doomed_data = random_bytes(), random_bytes()
    _, kept = storage.save_bytes(kept_data, "pdf")
    _, doomed = storage.save_bytes(doomed_data, "pdf")
    make_file(data=kept_data)
    # moto stamps objects with the real time: a negative grace makes them "old enough".
    collected = collect_unreferenced_objects(grace=timedelta(hours=-1))
    assert collected == [doomed]
    assert bucket_keys(s3) == {kept}
