"""API rate limits counted in PostgreSQL, shared by every server process.

DRF's own throttles keep a list of timestamps in the cache; with the database cache
that is five queries per throttle and a table count on every write, which dominated
the cost of a declaration submitted through the API. Here a hit is one upsert on an
UNLOGGED table (no WAL, nothing to flush on commit), and the limit is a sliding window
estimated from the current and the previous fixed window (the previous one weighted
by how much of it still overlaps), so a burst across a window boundary is still seen.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any, cast

from django.db import connection
from rest_framework.throttling import (
    AnonRateThrottle,
    BaseThrottle,
    ScopedRateThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)


def window_hit(key: str, duration: int, now: float) -> tuple[int, int]:
    """Count one hit on ``key``; returns (hits in the current window, in the previous)."""
    return window_hits([(key, duration)], now)[0]


def window_hits(keys: Sequence[tuple[str, int]], now: float) -> list[tuple[int, int]]:
    """``window_hit`` for several (key, duration) at once, in one statement (distinct
    keys: the statement counts each once)."""
    starts = [int(now // duration) * duration for _key, duration in keys]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH wanted AS (
                SELECT * FROM unnest(%s::varchar[], %s::bigint[], %s::bigint[])
                    AS w(key, window_start, previous)
            ), hit AS (
                INSERT INTO api_ratewindow (key, window_start, hits)
                SELECT key, window_start, 1 FROM wanted
                ON CONFLICT (key, window_start) DO UPDATE SET hits = api_ratewindow.hits + 1
                RETURNING key, hits
            )
            SELECT hit.key, hit.hits, coalesce(earlier.hits, 0)
            FROM hit JOIN wanted USING (key)
            LEFT JOIN api_ratewindow earlier
                ON earlier.key = hit.key AND earlier.window_start = wanted.previous
            """,
            [
                [key for key, _duration in keys],
                starts,
                [start - duration for start, (_key, duration) in zip(starts, keys, strict=True)],
            ],
        )
        counts = {key: (int(current), int(previous)) for key, current, previous in cursor}
    return [counts[key] for key, _duration in keys]


class DatabaseRateThrottle(SimpleRateThrottle):
    """SimpleRateThrottle with the counting above; subclasses say whom they count."""

    # Set by SimpleRateThrottle (from the rate) before allow_request is called.
    num_requests: int
    duration: int
    retry_after: float

    def counted(self, request: Any, view: Any) -> bool:
        """Whether this request counts (a rate applies and it has a key: self.key)."""
        if self.rate is None:
            return False
        self.key = self.get_cache_key(request, view)
        return self.key is not None

    def allow_request(self, request: Any, view: Any) -> bool:
        if not self.counted(request, view):
            return True
        now = self.timer()
        return self.decide(*window_hit(cast(str, self.key), self.duration, now), now)

    def decide(self, current: int, previous: int, now: float) -> bool:
        """Allowed, given the hits of the current window (this one included) and of the
        previous one; when refused, ``wait()`` says for how long."""
        elapsed = now % self.duration
        overlap = 1 - elapsed / self.duration
        # The hit just counted is included: refuse when it goes beyond the limit.
        estimate = previous * overlap + current
        if estimate <= self.num_requests:
            return True
        # Until enough of the previous window has slid out (or the current one ends).
        excess = estimate - self.num_requests
        if previous and excess <= previous * overlap:
            self.retry_after = excess / previous * self.duration
        else:
            self.retry_after = self.duration - elapsed
        return False

    def wait(self) -> float | None:
        return max(1, math.ceil(getattr(self, "retry_after", float(self.duration))))

    timer = staticmethod(time.time)


class AnonThrottle(AnonRateThrottle, DatabaseRateThrottle):
    pass


class UserThrottle(UserRateThrottle, DatabaseRateThrottle):
    pass


class ScopedThrottle(ScopedRateThrottle, DatabaseRateThrottle):
    def counted(self, request: Any, view: Any) -> bool:
        # ScopedRateThrottle.allow_request's set-up: the rate is the view's scope's.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return False
        self.rate = self.get_rate()
        self.num_requests, self.duration = cast(tuple[int, int], self.parse_rate(self.rate))
        return super().counted(request, view)

    allow_request = DatabaseRateThrottle.allow_request


class UserAndScopedThrottle(BaseThrottle):
    """UserThrottle and ScopedThrottle together, both windows counted in one statement
    (same limits, same answers as the two classes one after the other)."""

    parts: tuple[type[DatabaseRateThrottle], ...] = (UserThrottle, ScopedThrottle)

    def allow_request(self, request: Any, view: Any) -> bool:
        throttles = [part() for part in self.parts]
        counted = [throttle for throttle in throttles if throttle.counted(request, view)]
        self.refused: list[DatabaseRateThrottle] = []
        if not counted:
            return True
        now = counted[0].timer()
        keys = [(cast(str, throttle.key), throttle.duration) for throttle in counted]
        hits = window_hits(keys, now)
        self.refused = [
            throttle
            for throttle, (current, previous) in zip(counted, hits, strict=True)
            if not throttle.decide(current, previous, now)
        ]
        return not self.refused

    def wait(self) -> float | None:
        waits = [wait for throttle in self.refused if (wait := throttle.wait()) is not None]
        return max(waits) if waits else None
