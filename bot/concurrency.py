"""How questions are answered side by side, so that a slow LLM never holds the others back.

- `ALLIANCES_ANSWER_WORKERS` (default 4): questions answered at once by a chat server
  (`bot.chat.ChatService`); more wait their turn in order.
- `ModelSlots`: at most `workers - 1` of those questions wait on the LLM at one time, so at
  least one worker is always free for answers that need no model (extractive,
  over-quota). A question the LLM would write while every slot is taken gets the extractive
  answer at once (logged as `llm_busy`) rather than waiting for a slot.
- `SharedExclusiveLock`: questions search side by side (shared); ingesting the knowledge base
  is exclusive: it waits for the searches in flight, and new ones wait for it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

ANSWER_WORKERS_ENV = "ALLIANCES_ANSWER_WORKERS"
DEFAULT_ANSWER_WORKERS = 4
MAX_ANSWER_WORKERS = 64


class AnswerWorkersSettingError(ValueError):
    """A malformed ALLIANCES_ANSWER_WORKERS; str() says how to write it, in French."""


def parse_answer_workers(value: str | None) -> int:
    """The number of answer workers from the setting's text; the default when unset."""
    text = (value or "").strip()
    if not text:
        return DEFAULT_ANSWER_WORKERS
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ANSWER_WORKERS:
        raise AnswerWorkersSettingError(
            f"{ANSWER_WORKERS_ENV} mal formé : « {value} ». Écrivez le nombre de questions "
            f"traitées en même temps, un entier de 1 à {MAX_ANSWER_WORKERS} (par défaut "
            f"{DEFAULT_ANSWER_WORKERS})."
        )
    return int(text)


def answer_workers_from_environment() -> int:
    return parse_answer_workers(os.environ.get(ANSWER_WORKERS_ENV))


def model_slots_for(workers: int) -> int:
    """LLM answers allowed at once beside `workers` answer workers: one worker stays free
    for answers without the model (with a single worker, everything takes turns)."""
    return max(1, workers - 1)


class ModelSlots:
    """A non-blocking count of the answers being written by the model."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("size must be >= 1")
        self.size = size
        self._free = threading.BoundedSemaphore(size)

    @classmethod
    def from_environment(cls) -> ModelSlots:
        return cls(model_slots_for(answer_workers_from_environment()))

    def try_acquire(self) -> bool:
        """Take a slot if one is free; never waits."""
        return self._free.acquire(blocking=False)

    def release(self) -> None:
        self._free.release()


class SharedExclusiveLock:
    """Many holders of `shared()` at once, or one exclusive holder (`with lock:`).

    The exclusive side is reentrant (ensure_ready calls ingest) and a thread holding it may
    also take `shared()`; a thread holding `shared()` may take it again, but asking for the
    exclusive side then raises RuntimeError instead of deadlocking. A waiting exclusive
    request goes before new shared ones, so a stream of questions cannot starve an ingest.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer: int | None = None
        self._depth = 0
        self._writers_waiting = 0
        self._local = threading.local()

    def _reads(self) -> int:
        return getattr(self._local, "reads", 0)

    def acquire(self) -> bool:
        me = threading.get_ident()
        with self._condition:
            if self._writer == me:
                self._depth += 1
                return True
            if self._reads():
                raise RuntimeError("a shared holder cannot take the exclusive lock")
            self._writers_waiting += 1
            try:
                while self._writer is not None or self._readers:
                    self._condition.wait()
            finally:
                self._writers_waiting -= 1
            self._writer, self._depth = me, 1
        return True

    def release(self) -> None:
        with self._condition:
            if self._writer != threading.get_ident():
                raise RuntimeError("release of an exclusive lock this thread does not hold")
            self._depth -= 1
            if self._depth == 0:
                self._writer = None
                self._condition.notify_all()

    def __enter__(self) -> SharedExclusiveLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    @contextmanager
    def shared(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._condition:
            nested = self._writer == me or self._reads() > 0
            if not nested:
                while self._writer is not None or self._writers_waiting:
                    self._condition.wait()
            self._readers += 1
        self._local.reads = self._reads() + 1
        try:
            yield
        finally:
            self._local.reads = self._reads() - 1
            with self._condition:
                self._readers -= 1
                if self._readers == 0:
                    self._condition.notify_all()
