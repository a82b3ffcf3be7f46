"""Helpers for the file tests: real HTTP against a live server, and announcement bodies."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.core.files.storage import default_storage
from rest_framework.authtoken.models import Token

from contentcuration.files.uploads import part_path
from contentcuration.models import File
from contentcuration.reference_loading import load_constants
from contentcuration.storage import storage_key


def reload_constants() -> None:
    """Transactional tests flush every table, le-utils constants included: a test module's
    ``constants`` fixture calls this before any persona (a user's clipboard root is a topic)."""
    load_constants()


def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def random_bytes(size: int = 2048) -> bytes:
    return os.urandom(size)


def announcement(data: bytes, **overrides) -> dict:
    body = {
        "size": len(data),
        "checksum": hashlib.md5(data).hexdigest(),
        "name": "notes.pdf",
        "file_format": "pdf",
        "preset": "document",
        "duration": None,
    }
    body.update(overrides)
    return body


def content_md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def is_stored(data: bytes, ext: str = "pdf") -> bool:
    return default_storage.exists(storage_key(hashlib.md5(data).hexdigest(), ext))


def has_part(file_id: str) -> bool:
    return part_path(File.objects.get(pk=file_id)).exists()


def http_json(
    method: str, url: str, *, body: dict | None = None, token: str | None = None, headers: dict | None = None
):
    """(status, parsed JSON or None, headers) of a urllib request."""
    headers = {"Content-Type": "application/json", **(headers or {})}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            raw, status, response_headers = response.read(), response.status, response.headers
    except urllib.error.HTTPError as exc:
        raw, status, response_headers = exc.read(), exc.code, exc.headers
    return status, (json.loads(raw) if raw else None), response_headers


def raw_request(method: str, url: str, *, body: bytes = b"", headers: dict | None = None):
    """(status, body bytes, headers) through http.client (no redirect handling at all)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body if method not in ("HEAD", "GET") else None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.headers
    finally:
        connection.close()


def put_bytes(url: str, data: bytes, *, token: str | None = None, headers: dict | None = None):
    """PUT as ricecooker 0.8 does: Content-Type, Content-MD5, Content-Length, token header."""
    all_headers = {
        "Content-Type": "application/pdf",
        "Content-MD5": content_md5(data),
        "Content-Length": str(len(data)),
    }
    if token:
        all_headers["Authorization"] = f"Token {token}"
    all_headers.update(headers or {})
    return raw_request("PUT", url, body=data, headers=all_headers)


def send_truncated_put(url: str, body: bytes, headers: dict, sent: int) -> None:
    """Start a PUT announcing ``len(body)`` bytes, send ``sent`` of them, and drop the line
    (a connection cut mid-upload)."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port))
    lines = [f"PUT {parts.path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body[:sent])
    sock.shutdown(socket.SHUT_WR)
    sock.close()


def upload_progress(url: str, total: int) -> tuple[int, str | None]:
    """(status, Range header) of the resumable-upload progress query ``Content-Range: bytes */total``."""
    status, _, headers = raw_request("PUT", url, headers={"Content-Range": f"bytes */{total}", "Content-Length": "0"})
    return status, headers.get("Range")
