"""The storage module and the /content views on an S3-compatible bucket (django-storages'
S3Storage, the backend settings switch to with AWS_STORAGE_BUCKET_NAME). The bucket is
outside the machine, so it is moto's in-process S3."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import boto3
import pytest
from django.core.files import File as DjangoFile
from django.test import Client
from moto import mock_aws

from contentcuration import storage
from contentcuration.files.garbage import collect_unreferenced_objects
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


class FailingSource(io.BytesIO):
    """A file whose reads fail past ``limit`` bytes, as a disk or a dying process would."""

    def __init__(self, data: bytes, limit: int) -> None:
        super().__init__(data)
        self.limit = limit

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self.limit:
            raise OSError("the source went away")
        return super().read(size)


def test_a_large_verified_upload_appears_only_whole(db, s3, tmp_path):
    from django.core.files.storage import default_storage

    data = random_bytes(9 * 1024 * 1024)  # above boto3's 8 MiB multipart threshold
    path = tmp_path / "part"
    path.write_bytes(data)
    checksum = hashlib.md5(data).hexdigest()
    calls: list[str] = []
    events = default_storage.connection.meta.client.meta.events
    events.register("before-call.s3", lambda model, **kw: calls.append(model.name), unique_id="op-spy")
    try:
        storage.save_verified_file(path=path, checksum=checksum, extension="mp4")
    finally:
        events.unregister("before-call.s3", unique_id="op-spy")
    assert "CompleteMultipartUpload" in calls
    with storage.open_object(storage.storage_key(checksum, "mp4")) as handle:
        assert handle.read() == data


def test_a_store_that_dies_mid_upload_leaves_no_object_and_its_parts_are_aborted(db, s3):
    from django.core.files.storage import default_storage

    data = random_bytes(9 * 1024 * 1024)
    checksum = hashlib.md5(data).hexdigest()
    key = storage.storage_key(checksum, "mp4")
    with pytest.raises(OSError):
        storage._put_remote(key, DjangoFile(FailingSource(data, limit=6 * 1024 * 1024), name="x.mp4"))
    # A process killed with kill -9 cannot abort its multipart upload: leave one behind.
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)
    s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=data[: 5 * 1024 * 1024])

    assert not storage.object_exists(checksum, "mp4")
    assert Client().head(storage.content_url(checksum, "mp4")).status_code == 404
    # (moto dates every multipart upload 2010, so "not old enough yet" cannot be shown here.)
    assert storage.discard_stale_partials(older_than=timedelta(hours=6), dry_run=True) == [key]
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads")
    assert storage.discard_stale_partials(older_than=timedelta(hours=6)) == [key]
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    assert default_storage.exists(key) is False
