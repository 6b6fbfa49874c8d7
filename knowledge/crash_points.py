"""Test-only crash points: `ALLIANCES_TEST_KILL_AT=<name>` SIGKILLs the process there.

The crash tests (tests/test_ingest_crash.py, tests/test_projects_crash.py) run an ingestion
or an import in a subprocess, kill it at one of these points and check that the next run
repairs what was left half-done. The variable is read here only; unset (always, outside
those tests), a crash point costs one dictionary look-up. A name that is not in `POINTS`
is refused, so that a misspelt test cannot pass by never dying.

`name@N` kills at the N-th time the point is reached (default: the first).
"""

from __future__ import annotations

import os
import signal

KILL_ENV = "ALLIANCES_TEST_KILL_AT"

MID_CHUNKS = "mid_chunks"  # inside the passages' transaction, old rows deleted, new ones in
AFTER_CHUNKS = "after_chunks"  # passages and registry rows committed, vectors not yet written
AFTER_VECTORS = "after_vectors"  # vectors written, completion marks not yet
BEFORE_MARK = "before_mark"  # everything written but the per-document completion mark
MID_REMOVAL = "mid_removal"  # a removed document's vectors gone, its passages not yet
MID_STATE_MIGRATION = "mid_state_migration"  # state.db: tables created, version not yet set
# `alliances projects import`: every good line committed, none indexed yet
AFTER_IMPORT_COMMIT = "after-import-commit"
POINTS = (
    MID_CHUNKS, AFTER_CHUNKS, AFTER_VECTORS, BEFORE_MARK, MID_REMOVAL,
    MID_STATE_MIGRATION, AFTER_IMPORT_COMMIT,
)

_reached: dict[str, int] = {}


def crash_point(name: str) -> None:
    """SIGKILL this process when ALLIANCES_TEST_KILL_AT names this point (test hook)."""
    wanted = os.environ.get(KILL_ENV)
    if not wanted:
        return
    point, _, count = wanted.partition("@")
    if point not in POINTS:
        raise RuntimeError(f"{KILL_ENV}={wanted!r}: unknown crash point ({', '.join(POINTS)})")
    if point != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
