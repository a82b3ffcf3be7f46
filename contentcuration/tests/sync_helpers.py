"""Helpers for sync tests: build change dicts and post real batches to /api/sync/."""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import urllib.error
import urllib.request
from typing import Any

from django.test import Client

from contentcuration.viewsets.sync import constants as c

_revs = itertools.count(1)
SYNC_URL = "/api/sync/"


def change(type: int, table: str, key: Any, *, channel_id=None, user_id=None, rev=None, **fields) -> dict:
    data = {"type": type, "table": table, "key": key, "rev": rev if rev is not None else next(_revs)}
    if channel_id is not None:
        data["channel_id"] = channel_id
    if user_id is not None:
        data["user_id"] = user_id
    data.update(fields)
    return data


def created(table, key, obj, **kw):
    return change(c.CREATED, table, key, obj=obj, **kw)


def updated(table, key, mods, **kw):
    return change(c.UPDATED, table, key, mods=mods, **kw)


def deleted(table, key, **kw):
    return change(c.DELETED, table, key, **kw)


def moved(key, target, position="last-child", **kw):
    return change(c.MOVED, c.CONTENTNODE, key, target=target, position=position, **kw)


def browser_client(user=None, *, client_class: type[Client] = Client) -> Client:
    """A session client that enforces CSRF, as a browser meets it: logged in (when ``user`` is
    given), primed with the CSRF cookie by the login page, sending ``X-CSRFToken`` on every
    request. Never the test client's CSRF bypass: with it, every browser write to /api/sync/
    answered 500 while the suite was green (issue 10, item 1)."""
    client = client_class(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    response = client.get("/accounts/login/")
    assert response.status_code == 200, response.status_code
    client.defaults["HTTP_X_CSRFTOKEN"] = response.cookies["csrftoken"].value
    return client


def client_for(user) -> Client:
    return browser_client(user)


def post_sync(client: Client, changes=None, *, expect: int = 200, **envelope) -> dict:
    body = {"changes": changes or [], **envelope}
    response = client.post(SYNC_URL, data=json.dumps(body), content_type="application/json")
    assert response.status_code == expect, response.content
    return response.json()


def errors_by_rev(response: dict, changes: list[dict]) -> dict:
    """Map each submitted change's rev to its stored errors (None when it succeeded)."""
    rev_of = {a["server_rev"]: a["rev"] for a in response["allowed"]}
    result = {rev_of[s["server_rev"]]: None for s in response["successes"] if s["server_rev"] in rev_of}
    result.update({rev_of[e["server_rev"]]: e["errors"] for e in response["errors"] if e["server_rev"] in rev_of})
    return result


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class LiveBrowser:
    """A browser against a live server over real HTTP: logs in through the login page, keeps
    its cookies, and sends the CSRF cookie back as ``X-CSRFToken`` on writes, as the Studio
    frontend does. ``request`` answers (status, parsed JSON or raw bytes)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def request(self, method: str, path: str, body: Any = None, *, csrf: bool = True, raw: bytes | None = None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if csrf and self.cookie("csrftoken"):
            headers["X-CSRFToken"] = self.cookie("csrftoken")
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                status, content = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, content = exc.code, exc.read()
        try:
            return status, json.loads(content)
        except ValueError:
            return status, content

    def login(self, email: str, password: str = "password") -> None:
        status, _ = self.request("GET", "/accounts/login/")
        assert status == 200 and self.cookie("csrftoken"), status
        status, content = self.request("POST", "/accounts/login/", {"username": email, "password": password})
        assert status == 302, (status, content)
        assert self.cookie("kolibri_studio_sessionid")
