"""Rate limits on the account endpoints: sign-in, registration, password reset and activation
links, and the API token endpoints.

Counts live in the default cache: Redis when ``REDIS_URL`` is set, so every web process (and
machine) shares them; the local-memory cache otherwise (one process, ``make run``). Each scope's
rate is ``settings.AUTH_THROTTLE_RATES[scope]``, ``"N/s|m|h|d"`` (N requests per second,
minute, hour or day, in fixed windows); an empty rate turns the scope off.

Sign-in counts only failures, per account and per client address: after ``login_account``
failures an account refuses even the right password until the window ends (measured before
this module: 200 wrong passwords at 3.8/s, then the right one worked).
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_PATTERN = re.compile(r"(\d+)/([smhd])[a-z]*")


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"10/h"`` -> (10, 3600); None or "" -> None (no limit). Raises ValueError on nonsense."""
    if not rate:
        return None
    match = RATE_PATTERN.fullmatch(rate.strip())
    if match is None:
        raise ValueError(f"Bad throttle rate {rate!r}: expected N/s, N/m, N/h or N/d.")
    return int(match.group(1)), PERIODS[match.group(2)]


def rate_of(scope: str) -> tuple[int, int] | None:
    return parse_rate(settings.AUTH_THROTTLE_RATES.get(scope))


def client_address(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind ``settings.NUM_PROXIES`` trusted
    proxies the address the outermost of them saw (from ``X-Forwarded-For``)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = settings.NUM_PROXIES
    if proxies and forwarded:
        hops = [part.strip() for part in forwarded.split(",") if part.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(scope: str, ident: str) -> str:
    return f"throttle:{scope}:{hashlib.sha256(ident.lower().encode()).hexdigest()[:40]}"


def exceeded(scope: str, ident: str) -> int | None:
    """Seconds to wait when ``ident`` has used up ``scope``'s allowance, else None."""
    rate = rate_of(scope)
    if rate is None:
        return None
    allowed, period = rate
    if (cache.get(_key(scope, ident)) or 0) >= allowed:
        return period
    return None


def count(scope: str, ident: str) -> None:
    """Count one request (or failure) of ``ident`` against ``scope``."""
    rate = rate_of(scope)
    if rate is None:
        return
    key = _key(scope, ident)
    cache.add(key, 0, timeout=rate[1])  # starts the window; a no-op while it runs
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=rate[1])


def check_and_count(scope: str, *idents: str) -> int | None:
    """For endpoints that count every request: seconds to wait if any ident is over the
    limit (nothing counted), else count the request for each ident and return None."""
    for ident in idents:
        wait = exceeded(scope, ident)
        if wait is not None:
            return wait
    for ident in idents:
        count(scope, ident)
    return None


def forget(scope: str, ident: str) -> None:
    cache.delete(_key(scope, ident))


class TokenThrottle(SimpleRateThrottle):
    """DRF throttle for the token endpoints: per user when signed in, else per address.
    Reads its rate from ``settings.AUTH_THROTTLE_RATES["token"]`` on every request."""

    scope = "token"

    def get_rate(self):
        return settings.AUTH_THROTTLE_RATES.get(self.scope) or None

    def parse_rate(self, rate):
        return parse_rate(rate) or (None, None)

    def get_cache_key(self, request, view):
        user = request.user
        ident = f"user:{user.pk}" if user and user.is_authenticated else f"ip:{client_address(request)}"
        return _key(self.scope, ident)
