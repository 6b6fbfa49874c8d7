"""A per-user rate limit, platform-neutral: how many LLM answers one person gets per window.

    limiter = RateLimiter(max_calls=20, window_s=600)
    if limiter.allow("slack:U012AB3CD"):
        ...  # written by the LLM
    else:
        ...  # the extractive answer: the person still gets an answer, the LLM is spared

A sliding window per key (the platform and the user's id), in memory: a restart forgets it,
which is what a guard against runaway costs needs. Thread-safe. Keys idle for a whole window
are dropped, so memory stays proportional to the recent askers.

`ALLIANCES_LLM_RATE_LIMIT` sets it: "20/600" (20 answers per 600 s, the default), "20/10m",
"100/1h", or "0" / "off" for no limit.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable

DEFAULT_RATE_LIMIT = "20/600"
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


class RateLimitSettingError(ValueError):
    """A malformed ALLIANCES_LLM_RATE_LIMIT; str() says how to write it, in French."""


class RateLimiter:
    """At most `max_calls` allowed calls per key in any `window_s` seconds."""

    def __init__(
        self,
        max_calls: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_calls < 1 or window_s <= 0:
            raise ValueError("max_calls must be >= 1 and window_s > 0")
        self.max_calls = max_calls
        self.window_s = window_s
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    @classmethod
    def from_spec(cls, spec: str | None) -> RateLimiter | None:
        """A limiter from "N/SECONDS" (units s, m, h allowed); None for "0", "off" or ""."""
        text = (spec or "").strip().lower()
        if text in ("", "0", "off", "none", "aucune", "non"):
            return None
        match = _SPEC.match(text)
        if not match or int(match.group(1)) < 1 or float(match.group(2)) <= 0:
            raise RateLimitSettingError(
                f"ALLIANCES_LLM_RATE_LIMIT mal formé : « {spec} ». Écrivez un nombre de "
                "réponses par période, par exemple « 20/600 » (20 réponses par 600 secondes), "
                "« 100/1h », ou « 0 » pour ne pas limiter."
            )
        window = float(match.group(2)) * _UNIT_SECONDS[match.group(3)]
        return cls(int(match.group(1)), window)

    @classmethod
    def from_environment(cls) -> RateLimiter | None:
        return cls.from_spec(os.environ.get("ALLIANCES_LLM_RATE_LIMIT", DEFAULT_RATE_LIMIT))

    def allow(self, key: str) -> bool:
        """Count a call for `key` and say whether it is within the limit (a refused call
        is not counted)."""
        now = self._clock()
        with self._lock:
            self._sweep(now)
            calls = self._calls.setdefault(key, deque())
            self._expire(calls, now)
            if len(calls) >= self.max_calls:
                return False
            calls.append(now)
            return True

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may call again (0 when it may now)."""
        now = self._clock()
        with self._lock:
            calls = self._calls.get(key)
            if not calls:
                return 0.0
            self._expire(calls, now)
            if len(calls) < self.max_calls:
                return 0.0
            return max(0.0, calls[0] + self.window_s - now)

    def _expire(self, calls: deque[float], now: float) -> None:
        while calls and calls[0] <= now - self.window_s:
            calls.popleft()

    def _sweep(self, now: float) -> None:
        """Forget the keys idle for a whole window (at most once per window)."""
        if now - self._last_sweep < self.window_s:
            return
        self._last_sweep = now
        for key in [
            k for k, calls in self._calls.items() if not calls or (calls[-1] <= now - self.window_s)
        ]:
            del self._calls[key]
