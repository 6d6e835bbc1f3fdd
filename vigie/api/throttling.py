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
from typing import Any

from django.db import connection
from rest_framework.throttling import (
    AnonRateThrottle,
    ScopedRateThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)


def window_hit(key: str, duration: int, now: float) -> tuple[int, int]:
    """Count one hit on ``key``; returns (hits in the current window, in the previous)."""
    start = int(now // duration) * duration
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH hit AS (
                INSERT INTO api_ratewindow (key, window_start, hits) VALUES (%(key)s, %(start)s, 1)
                ON CONFLICT (key, window_start) DO UPDATE SET hits = api_ratewindow.hits + 1
                RETURNING hits
            )
            SELECT hit.hits, coalesce((
                SELECT hits FROM api_ratewindow WHERE key = %(key)s AND window_start = %(previous)s
            ), 0) FROM hit
            """,
            {"key": key, "start": start, "previous": start - duration},
        )
        current, previous = cursor.fetchone()
    return int(current), int(previous)


class DatabaseRateThrottle(SimpleRateThrottle):
    """SimpleRateThrottle with the counting above; subclasses say whom they count."""

    # Set by SimpleRateThrottle (from the rate) before allow_request is called.
    num_requests: int
    duration: int
    retry_after: float

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        current, previous = window_hit(self.key, self.duration, now)
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
    pass
