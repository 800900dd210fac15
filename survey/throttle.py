"""Throttles: attempts per key and window, counted by the `limits` library.

The counters live in Redis when `SURVEY_REDIS_URL` is set, so that every process
and machine of a deployment shares them; otherwise in the memory of this process,
which is right for one process (the demo, `flask run`, the tests) and counts per
process under several workers. Nothing is written to the database per request.

When the counter store cannot be reached (Redis down), a throttle lets the request
through and logs the failure: an outage of the counters must not lock respondents
or researchers out, and the per-account login lockout (a database column) still
holds. The first failure is logged at once, then one line a minute per process
saying how many more there were (an outage under load would otherwise log every
request). See README, "Deploying".
"""

from __future__ import annotations

import logging
import math
import os
import time

from flask import Flask
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)
EXTENSION = "survey.throttle"
REDIS_TIMEOUT_SECONDS = 0.5  # a request waits at most this long for a counter
FAILURE_LOG_SECONDS = 60  # during an outage, one log line a minute per process


class Throttle:
    """Fixed-window counters: a window starts with its key's first hit and lasts `window` s."""

    def __init__(self, url: str | None, prefix: str = "survey") -> None:
        self.url = url or "memory://"
        self.prefix = prefix
        self._made: tuple[int, Storage, FixedWindowRateLimiter] | None = None
        self._unlogged = 0  # failures since the last line logged
        self._logged_at: float | None = None  # time.monotonic() of that line

    def _limiter(self) -> FixedWindowRateLimiter:
        """The limiter of this process: a forked worker makes its own (connections, timers)."""
        made = self._made
        if made is None or made[0] != os.getpid():
            options: dict[str, float | str] = {}
            if not self.url.startswith("memory"):
                options = {
                    "key_prefix": self.prefix,
                    "socket_timeout": REDIS_TIMEOUT_SECONDS,
                    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                }
            storage = storage_from_string(self.url, wrap_exceptions=True, **options)
            made = self._made = (os.getpid(), storage, FixedWindowRateLimiter(storage))
        return made[2]

    def hit(self, name: str, key: str, limit: int, window: int) -> int | None:
        """Count one attempt at `name` by `key`: seconds to wait when it went over `limit`."""
        item = RateLimitItemPerSecond(limit, window)
        try:
            limiter = self._limiter()
            if limiter.hit(item, name, key):
                return None
            return _wait(limiter, item, name, key)
        except StorageError as error:
            self._failed(f"throttle {name} not counted", error)
            return None

    def over(self, name: str, key: str, limit: int, window: int) -> int | None:
        """Without counting: seconds to wait when `key` has used up `limit` (None: go on)."""
        item = RateLimitItemPerSecond(limit, window)
        try:
            limiter = self._limiter()
            if limiter.test(item, name, key):
                return None
            return _wait(limiter, item, name, key)
        except StorageError as error:
            self._failed(f"throttle {name} not checked", error)
            return None

    def _failed(self, what: str, error: StorageError) -> None:
        """Log a failure of the store: the first at once, then one line a minute at most."""
        now = time.monotonic()
        if self._logged_at is not None and now - self._logged_at < FAILURE_LOG_SECONDS:
            self._unlogged += 1
            return
        more = f" ({self._unlogged} more failures since the last report)" if self._unlogged else ""
        log.warning("%s, its store failed: %s%s", what, error.storage_error, more)
        self._logged_at, self._unlogged = now, 0

    def reset(self) -> None:
        """Forget every count (tests; an operator's `survey` shell)."""
        self._limiter().storage.reset()


def _wait(limiter: FixedWindowRateLimiter, item: RateLimitItemPerSecond, *key: str) -> int:
    reset_at = limiter.get_window_stats(item, *key).reset_time
    return max(1, math.ceil(reset_at - time.time()))


def init_app(app: Flask) -> None:
    """Give the app its throttle, on `REDIS_URL` when set."""
    app.extensions[EXTENSION] = Throttle(app.config.get("REDIS_URL"))


def of(app: Flask) -> Throttle:
    """The app's throttle."""
    return app.extensions[EXTENSION]
