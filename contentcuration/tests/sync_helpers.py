"""Helpers for sync tests: build change dicts and post real batches to /api/sync/."""

from __future__ import annotations

import itertools
import json
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


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


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


def token_client_for(user) -> Client:
    """A script's client: ``Authorization: Token`` (CSRF does not apply, and is enforced anyway)."""
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token.key}")


def csrf_client_for(user=None) -> Client:
    """A browser's client: CSRF enforced, the token taken from the cookie the login page sets
    and sent back in ``X-CSRFToken`` on every request; signed in as ``user`` if given."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    response = client.get("/accounts/login/")
    client.defaults["HTTP_X_CSRFTOKEN"] = response.cookies["csrftoken"].value
    return client
