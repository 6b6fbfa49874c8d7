"""What the chat doors remember between requests and across restarts: one SQLite file.

`$ALLIANCES_HOME/state.db`, opened with sqlite-utils in WAL mode, safe to share between the
threads of one process (one connection behind a lock) and between processes (SQLite locking,
a busy timeout, and claims made with one atomic INSERT OR IGNORE).

Tables:
- `events`            requests already handled (Slack event ids, trigger ids…), for de-duplication
                      that survives a restart; pruned after `EVENT_RETENTION_S`.
- `answers`           every answer given (question, answer, sources), so a feedback click or a
                      "share" button can refer to it by id; `abstained` (1 when the assistant
                      said the documents do not hold the answer), `direct` (1 for a question
                      asked in a one-to-one chat with the bot) and the asker's display name
                      (`user_name`, when the platform gives it) — read by the gaps report.
- `feedback`          👍/👎 votes: question, answer, sources JSON, user, channel, platform, vote,
                      optional comment, time. One row per (answer, user); a new click replaces it.
- `channel_settings`  channel → default region, who set it and when.
- `threads`           the threads the bot has answered (follow-ups there need no mention) and
                      the assistant-pane threads opened with it.
- `turns`             the question/answer turns of each conversation, the context of follow-ups
                      where the platform cannot give the thread back.

Every platform-specific id is stored with its `platform` ("slack", "teams"), so the Teams door
shares the same tables.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from knowledge.crash_points import MID_STATE_MIGRATION, crash_point

SCHEMA_VERSION = 2
EVENT_RETENTION_S = 24 * 3600.0  # Slack retries within ~30 minutes; a day is generous.
_PRUNE_EVERY_S = 600.0
VOTES = ("up", "down")


@dataclass(frozen=True)
class StoredTurn:
    """One remembered turn of a conversation."""

    role: str  # "user" | "assistant"
    text: str
    created_at: float


@dataclass(frozen=True)
class ChannelSettings:
    """A channel's settings; `region` is the default region filter of its questions."""

    platform: str
    channel: str
    region: str | None = None
    updated_by: str | None = None
    updated_at: str | None = None


class State:
    """The chat state database. Thread-safe; every write is its own transaction
    (`db.atomic()`: sqlite-utils 4 opens connections in autocommit mode, so `with db.conn:`
    would commit each statement on its own)."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()
        connection = sqlite3.connect(str(self.path), timeout=10.0, check_same_thread=False)
        self.db = sqlite_utils.Database(connection)
        self.db.execute("PRAGMA busy_timeout = 10000")
        self.db.enable_wal()
        self._migrate()
        self._last_prune = 0.0

    @classmethod
    def open(cls, home: Path | str) -> State:
        """The state database of a data folder (`home/state.db`)."""
        return cls(Path(home) / "state.db")

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    # --- schema ---------------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._lock, self.db.atomic():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path} a été créé par une version plus récente (schéma {version}) ; "
                    "mettez à jour l'application."
                )
            for target, migration in _MIGRATIONS:
                if version < target:
                    migration(self.db)
                    crash_point(MID_STATE_MIGRATION)  # the kill tests: nothing may remain
                    self.db.execute(f"PRAGMA user_version = {target}")
                    version = target

    # --- de-duplication -------------------------------------------------------------------

    def claim_event(self, key: str, platform: str = "slack") -> bool:
        """True the first time `key` is seen (then remembered); False for every repeat."""
        now = self._clock()
        with self._lock, self.db.atomic():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO events (key, platform, seen_at) VALUES (?, ?, ?)",
                [key, platform, now],
            )
            claimed = cursor.rowcount == 1
        if now - self._last_prune > _PRUNE_EVERY_S:
            self.prune_events(now - EVENT_RETENTION_S)
        return claimed

    def prune_events(self, before: float) -> int:
        """Forget the events seen before `before` (epoch seconds); returns how many."""
        with self._lock, self.db.atomic():
            cursor = self.db.execute("DELETE FROM events WHERE seen_at < ?", [before])
            self._last_prune = self._clock()
            return cursor.rowcount

    def seen_event(self, key: str) -> bool:
        with self._lock:
            row = self.db.execute("SELECT 1 FROM events WHERE key = ?", [key]).fetchone()
        return row is not None

    # --- answers and feedback --------------------------------------------------------------

    def record_answer(
        self,
        *,
        platform: str,
        channel: str,
        user: str,
        question: str,
        answer: str,
        sources: list[dict[str, Any]],
        answer_json: dict[str, Any],
        thread: str | None = None,
        abstained: bool | None = None,
        direct: bool = False,
        user_name: str | None = None,
    ) -> str:
        """Store an answer given; returns its id (what feedback and share buttons carry).
        `abstained` defaults to what `answer_json` says; `direct`: asked in a one-to-one chat."""
        answer_id = uuid.uuid4().hex
        if abstained is None:
            abstained = bool(answer_json.get("abstained", False))
        row = {
            "id": answer_id,
            "platform": platform,
            "channel": channel,
            "thread": thread or "",
            "user": user,
            "question": question,
            "answer": answer,
            "sources": json.dumps(sources, ensure_ascii=False),
            "answer_json": json.dumps(answer_json, ensure_ascii=False),
            "created_at": _iso(self._clock()),
            "abstained": int(abstained),
            "direct": int(direct),
            "user_name": user_name,
        }
        with self._lock, self.db.atomic():
            self.db["answers"].insert(row)
        return answer_id

    def get_answer(self, answer_id: str) -> dict[str, Any] | None:
        """The stored answer row with `sources` and `answer_json` decoded, or None."""
        with self._lock:
            rows = list(self.db.query("SELECT * FROM answers WHERE id = ?", [answer_id]))
        if not rows:
            return None
        row = rows[0]
        row["sources"] = json.loads(row["sources"])
        row["answer_json"] = json.loads(row["answer_json"])
        return row

    def record_feedback(
        self,
        *,
        answer_id: str,
        user: str,
        vote: str,
        platform: str,
        channel: str,
        comment: str | None = None,
    ) -> bool:
        """Store a vote on an answer (replacing the user's earlier vote on it).

        Returns False when the answer id is unknown (nothing stored)."""
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {VOTES}, not {vote!r}")
        answer = self.get_answer(answer_id)
        if answer is None:
            return False
        now = _iso(self._clock())
        with self._lock, self.db.atomic():
            existing = self.db.execute(
                "SELECT created_at, comment FROM feedback WHERE answer_id = ? AND user = ?",
                [answer_id, user],
            ).fetchone()
            self.db["feedback"].upsert(
                {
                    "answer_id": answer_id,
                    "user": user,
                    "platform": platform,
                    "channel": channel,
                    "question": answer["question"],
                    "answer": answer["answer"],
                    "sources": json.dumps(answer["sources"], ensure_ascii=False),
                    "vote": vote,
                    "comment": comment if comment is not None else (existing and existing[1]),
                    "created_at": existing[0] if existing else now,
                    "updated_at": now,
                },
                pk=("answer_id", "user"),
            )
        return True

    def add_feedback_comment(self, answer_id: str, user: str, comment: str) -> bool:
        """Attach a comment to a user's vote; False when there is no such vote."""
        with self._lock, self.db.atomic():
            cursor = self.db.execute(
                "UPDATE feedback SET comment = ?, updated_at = ? WHERE answer_id = ? AND user = ?",
                [comment, _iso(self._clock()), answer_id, user],
            )
            return cursor.rowcount == 1

    def answers_between(self, start: float, end: float) -> list[dict[str, Any]]:
        """The answers given in [start, end) (epoch seconds), oldest first, `sources` decoded,
        each with `down_votes`: how many 👎 it has now (whenever they were given)."""
        return self._rows_with_sources(
            "SELECT a.id, a.platform, a.channel, a.thread, a.user, a.user_name, "
            "a.question, a.sources, a.created_at, a.abstained, a.direct, "
            "(SELECT count(*) FROM feedback f WHERE f.answer_id = a.id "
            "AND f.vote = 'down') AS down_votes "
            "FROM answers a WHERE a.created_at >= ? AND a.created_at < ? "
            "ORDER BY a.created_at, a.rowid",
            [_iso(start), _iso(end)],
        )

    def down_votes_between(self, start: float, end: float) -> list[dict[str, Any]]:
        """The 👎 votes given or changed in [start, end) (epoch seconds), oldest first, each
        with its comment and the answer's row (`question`, `sources` decoded, `created_at`,
        `abstained`, `direct`, the asker as `asker` and `asker_name`)."""
        return self._rows_with_sources(
            "SELECT f.answer_id, f.user AS voter, f.comment, f.updated_at AS voted_at, "
            "a.platform, a.channel, a.thread, a.user AS asker, a.user_name AS asker_name, "
            "a.question, a.sources, a.created_at, a.abstained, a.direct "
            "FROM feedback f JOIN answers a ON a.id = f.answer_id "
            "WHERE f.vote = 'down' AND f.updated_at >= ? AND f.updated_at < ? "
            "ORDER BY f.updated_at, f.rowid",
            [_iso(start), _iso(end)],
        )

    def feedback(self) -> list[dict[str, Any]]:
        """Every vote, oldest first, `sources` decoded (for the evaluation work)."""
        return self._rows_with_sources("SELECT * FROM feedback ORDER BY created_at, rowid")

    def _rows_with_sources(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """The rows of a query, their `sources` column decoded from JSON."""
        with self._lock:
            rows = list(self.db.query(sql, params))
        for row in rows:
            row["sources"] = json.loads(row["sources"])
        return rows

    # --- channel settings ------------------------------------------------------------------

    def channel_settings(self, platform: str, channel: str) -> ChannelSettings:
        with self._lock:
            row = self.db.execute(
                "SELECT region, updated_by, updated_at FROM channel_settings "
                "WHERE platform = ? AND channel = ?",
                [platform, channel],
            ).fetchone()
        if row is None:
            return ChannelSettings(platform, channel)
        return ChannelSettings(platform, channel, row[0], row[1], row[2])

    def set_channel_region(
        self, platform: str, channel: str, region: str | None, *, updated_by: str
    ) -> ChannelSettings:
        """Bind a channel to a region (None removes the binding)."""
        with self._lock, self.db.atomic():
            self.db["channel_settings"].upsert(
                {
                    "platform": platform,
                    "channel": channel,
                    "region": region,
                    "updated_by": updated_by,
                    "updated_at": _iso(self._clock()),
                },
                pk=("platform", "channel"),
            )
        return self.channel_settings(platform, channel)

    # --- threads and turns -----------------------------------------------------------------

    def mark_thread(
        self, platform: str, channel: str, thread: str, *, kind: str = "answered"
    ) -> None:
        """Remember a thread of the bot: one it answered in, or an assistant-pane thread
        (`kind="assistant"`). A thread keeps the kind it was first marked with."""
        now = _iso(self._clock())
        with self._lock, self.db.atomic():
            self.db.execute(
                "INSERT INTO threads (platform, channel, thread, kind, first_answered_at, "
                "last_answered_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, channel, thread) "
                "DO UPDATE SET last_answered_at = excluded.last_answered_at",
                [platform, channel, thread, kind, now, now],
            )

    def thread_kind(self, platform: str, channel: str, thread: str) -> str | None:
        """ "answered", "assistant", or None for a thread the bot is not part of."""
        with self._lock:
            row = self.db.execute(
                "SELECT kind FROM threads WHERE platform = ? AND channel = ? AND thread = ?",
                [platform, channel, thread],
            ).fetchone()
        return row[0] if row else None

    def is_bot_thread(self, platform: str, channel: str, thread: str) -> bool:
        return self.thread_kind(platform, channel, thread) is not None

    def add_turns(
        self, platform: str, channel: str, thread: str | None, turns: Iterable[tuple[str, str]]
    ) -> None:
        """Append (role, text) turns to a conversation (thread None: the channel's top level)."""
        now = self._clock()
        rows = [
            {
                "platform": platform,
                "channel": channel,
                "thread": thread or "",
                "role": role,
                "text": text,
                "created_at": now,
            }
            for role, text in turns
        ]
        with self._lock, self.db.atomic():
            self.db["turns"].insert_all(rows)

    def recent_turns(
        self,
        platform: str,
        channel: str,
        thread: str | None,
        *,
        limit: int = 8,
        max_age_s: float | None = None,
    ) -> list[StoredTurn]:
        """The last `limit` turns of a conversation, oldest first."""
        since = self._clock() - max_age_s if max_age_s is not None else 0.0
        with self._lock:
            rows = self.db.execute(
                "SELECT role, text, created_at FROM turns WHERE platform = ? AND channel = ? "
                "AND thread = ? AND created_at >= ? ORDER BY id DESC LIMIT ?",
                [platform, channel, thread or "", since, limit],
            ).fetchall()
        return [StoredTurn(role, text, created_at) for role, text, created_at in reversed(rows)]


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _schema_v1(db: sqlite_utils.Database) -> None:
    db["events"].create(
        {"key": str, "platform": str, "seen_at": float}, pk="key", if_not_exists=True
    )
    db["events"].create_index(["seen_at"], if_not_exists=True)
    db["answers"].create(
        {
            "id": str,
            "platform": str,
            "channel": str,
            "thread": str,
            "user": str,
            "question": str,
            "answer": str,
            "sources": str,
            "answer_json": str,
            "created_at": str,
        },
        pk="id",
        if_not_exists=True,
    )
    db["feedback"].create(
        {
            "answer_id": str,
            "user": str,
            "platform": str,
            "channel": str,
            "question": str,
            "answer": str,
            "sources": str,
            "vote": str,
            "comment": str,
            "created_at": str,
            "updated_at": str,
        },
        pk=("answer_id", "user"),
        if_not_exists=True,
    )
    db["channel_settings"].create(
        {"platform": str, "channel": str, "region": str, "updated_by": str, "updated_at": str},
        pk=("platform", "channel"),
        if_not_exists=True,
    )
    db["threads"].create(
        {
            "platform": str,
            "channel": str,
            "thread": str,
            "kind": str,
            "first_answered_at": str,
            "last_answered_at": str,
        },
        pk=("platform", "channel", "thread"),
        if_not_exists=True,
    )
    db["turns"].create(
        {
            "id": int,
            "platform": str,
            "channel": str,
            "thread": str,
            "role": str,
            "text": str,
            "created_at": float,
        },
        pk="id",
        if_not_exists=True,
    )
    db["turns"].create_index(["platform", "channel", "thread", "id"], if_not_exists=True)


def _schema_v2(db: sqlite_utils.Database) -> None:
    """Answers record explicitly whether they abstained and whether they were asked in a
    one-to-one chat (the gaps report needs both), and the asker's display name. Rows of
    earlier versions are kept: `abstained` comes from their stored answer JSON, `direct`
    from the conversation (a Slack `D…` channel, a Teams personal chat)."""
    db.execute("ALTER TABLE answers ADD COLUMN abstained INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE answers ADD COLUMN direct INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE answers ADD COLUMN user_name TEXT")
    db.execute(
        "UPDATE answers SET abstained = 1 WHERE json_valid(answer_json) "
        "AND json_extract(answer_json, '$.abstained') IN (1, 'true')"
    )
    personal = "0"
    if db["teams_conversations"].exists():
        personal = (
            "channel IN (SELECT conversation_id FROM teams_conversations WHERE kind = 'personal')"
        )
    db.execute(
        "UPDATE answers SET direct = 1 WHERE (platform = 'slack' AND channel LIKE 'D%') "
        f"OR (platform = 'teams' AND (channel LIKE 'a:%' OR {personal}))"
    )
    db.execute("CREATE INDEX IF NOT EXISTS answers_created_at ON answers (created_at)")
    db.execute("CREATE INDEX IF NOT EXISTS feedback_vote_updated ON feedback (vote, updated_at)")


# (schema version reached, migration). Append new steps; never edit a released one.
_MIGRATIONS: tuple[tuple[int, Callable[[sqlite_utils.Database], None]], ...] = (
    (1, _schema_v1),
    (2, _schema_v2),
)
