"""Digest subscriptions and deliveries, in the project's main SQLite file.

The tables live in `knowledge.paths.database_path(home)` (`$ALLIANCES_HOME/alliances.db`),
next to the projects the digests report on: the `alliances digest` command of cron users
needs nothing else, and one file holds what a digest says and whether it was posted. Their
schema version is kept in `digests_schema` (never in `PRAGMA user_version`, which another
part of the file's users may own).

- `digest_subscriptions`  one per conversation (platform, channel): the schedule (canonical
                          cron and the words typed), the region (None: all), the empty-period
                          policy ("skip" or "message"), the language, who set it and since when
                          the schedule applies (`schedule_since`: fire times before it are not
                          owed).
- `digest_deliveries`     one per (platform, channel, period_key): the period, the state
                          (claimed → posting → posted, or skipped / failed), the claim token
                          and its lease, the idempotency marker sent with the message, the
                          message id (Slack ts, Teams activity id), attempts and last error.
                          UNIQUE (platform, channel, period_key): two processes can never both
                          own a period.

Claims are made in `BEGIN IMMEDIATE` transactions (the write lock is taken at once; a second
process waits on the busy timeout instead of failing halfway), and every later change of a
delivery is a compare-and-set on the claim token, so a process whose lease was taken over can
no longer write the row. See `bot/digests/delivery.py` for the protocol.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from knowledge.paths import database_path

SCHEMA_VERSION = 1
EMPTY_POLICIES = ("message", "skip")
DeliveryState = Literal["claimed", "posting", "posted", "skipped", "failed"]
FINAL_STATES = ("posted", "skipped", "failed")


class DigestStoreError(RuntimeError):
    """The database cannot be used (written by a newer version of the application)."""


@dataclass(frozen=True)
class Subscription:
    """A conversation's digest subscription."""

    id: int
    platform: str
    channel: str
    schedule: str  # canonical cron (bot.digests.schedule.Schedule.to_cron)
    schedule_text: str  # as typed
    region: str | None
    empty_policy: str  # "message" | "skip"
    language: str
    created_by: str
    created_at: str
    updated_by: str
    updated_at: str
    schedule_since: float  # epoch seconds: fire times before this are not owed
    team_id: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform, self.channel)


@dataclass(frozen=True)
class Delivery:
    """One digest for one period of one conversation, and where its posting stands."""

    id: int
    subscription_id: int | None
    platform: str
    channel: str
    period_key: str
    period_start: str  # ISO UTC
    period_end: str  # ISO UTC
    kind: str  # "scheduled" | "manual" | "cli"
    state: DeliveryState
    marker: str
    claim_token: str
    owner: str
    first_claimed_at: float
    lease_until: float
    attempts: int
    message_id: str | None
    posted_at: str | None
    error: str | None
    items: int | None

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


@dataclass(frozen=True)
class Claim:
    """The result of trying to claim a period.

    - `new`: this process owns a fresh delivery (nothing was sent before);
    - `resume`: this process took over a delivery whose owner's lease ran out; when its state
      is "posting", a message may already exist and must be looked for before posting;
    - `done`: already posted, skipped or given up: nothing to do;
    - `busy`: another process owns it and its lease runs: nothing to do now.
    """

    outcome: Literal["new", "resume", "done", "busy"]
    delivery: Delivery

    @property
    def owned(self) -> bool:
        return self.outcome in ("new", "resume")


def marker_for(platform: str, channel: str, period_key: str) -> str:
    """The deterministic idempotency marker of a period's message (sent in its metadata)."""
    digest = hashlib.sha256(f"{platform}|{channel}|{period_key}".encode()).hexdigest()
    return f"alliances-digest-{digest[:24]}"


def owner_gone(owner: str, me: str) -> bool:
    """Whether a claim's owner (`host:pid:random`) is a process of this host that no longer
    runs: its claim need not wait for its lease (a restart resumes at once). Owners on
    another host, or with this process's own pid (a container restarted as pid 1, or another
    scheduler in this process), are trusted until their lease runs out."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != me.partition(":")[0] or not pid_text.isdecimal():
        return False
    pid = int(pid_text)
    if pid == os.getpid() or pid <= 1:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: it exists, run by someone else
        return False
    return False


def iso_utc(moment: datetime | float) -> str:
    if isinstance(moment, (int, float)):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


_SUBSCRIPTION_COLUMNS = (
    "id, platform, channel, schedule, schedule_text, region, empty_policy, language, "
    "created_by, created_at, updated_by, updated_at, schedule_since, team_id"
)
_DELIVERY_COLUMNS = (
    "id, subscription_id, platform, channel, period_key, period_start, period_end, kind, "
    "state, marker, claim_token, owner, first_claimed_at, lease_until, attempts, message_id, "
    "posted_at, error, items"
)


class DigestStore:
    """Subscriptions and deliveries. Thread-safe (one connection behind a lock); several
    processes may share the file (WAL, busy timeout, immediate transactions)."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self._lock = threading.RLock()
        connection = sqlite3.connect(
            str(self.path), timeout=15.0, check_same_thread=False, isolation_level=None
        )
        self.db = sqlite_utils.Database(connection)
        self.db.execute("PRAGMA busy_timeout = 15000")
        self.db.enable_wal()
        self._migrate()

    @classmethod
    def open(cls, home: Path | str, *, clock: Callable[[], float] = time.time) -> DigestStore:
        """The store of a data folder (`knowledge.paths.database_path(home)`)."""
        return cls(database_path(Path(home)), clock=clock)

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    def __enter__(self) -> DigestStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema -----------------------------------------------------------------------

    def schema_version(self) -> int:
        with self._lock:
            if not self.db["digests_schema"].exists():
                return 0
            row = self.db.execute("SELECT max(version) FROM digests_schema").fetchone()
        return int(row[0] or 0)

    def _migrate(self) -> None:
        with self._transaction():
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS digests_schema (version INTEGER PRIMARY KEY, "
                "applied_at TEXT NOT NULL)"
            )
            current = self.schema_version()
            if current > SCHEMA_VERSION:
                raise DigestStoreError(
                    f"{self.path} a été écrit par une version plus récente de l'application "
                    f"(schéma des résumés {current}, celle-ci connaît {SCHEMA_VERSION}) : "
                    "mettez l'application à jour."
                )
            for version, migration in _MIGRATIONS:
                if version > current:
                    migration(self.db)
                    self.db.execute(
                        "INSERT INTO digests_schema (version, applied_at) VALUES (?, ?)",
                        [version, iso_utc(self.clock())],
                    )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One immediate transaction (the write lock at once; others wait, busy timeout)."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # --- subscriptions --------------------------------------------------------------------

    def subscribe(
        self,
        *,
        platform: str,
        channel: str,
        schedule: str,
        schedule_text: str,
        region: str | None,
        empty_policy: str,
        language: str,
        user: str,
        team_id: str | None = None,
    ) -> tuple[Subscription, Subscription | None]:
        """Create or replace a conversation's subscription; returns (new, previous or None).
        The schedule applies from now (`schedule_since`) when it changes."""
        if empty_policy not in EMPTY_POLICIES:
            raise ValueError(f"empty_policy must be one of {EMPTY_POLICIES}")
        now = self.clock()
        with self._transaction():
            previous = self._subscription_for(platform, channel)
            since = now
            if previous is not None and previous.schedule == schedule:
                since = previous.schedule_since
            if previous is None:
                self.db.execute(
                    "INSERT INTO digest_subscriptions (platform, channel, team_id, schedule, "
                    "schedule_text, region, empty_policy, language, created_by, created_at, "
                    "updated_by, updated_at, schedule_since) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        platform, channel, team_id, schedule, schedule_text, region,
                        empty_policy, language, user, iso_utc(now), user, iso_utc(now), since,
                    ],
                )  # fmt: skip
            else:
                self.db.execute(
                    "UPDATE digest_subscriptions SET schedule = ?, schedule_text = ?, "
                    "region = ?, empty_policy = ?, language = ?, updated_by = ?, "
                    "updated_at = ?, schedule_since = ?, team_id = coalesce(?, team_id) "
                    "WHERE id = ?",
                    [
                        schedule, schedule_text, region, empty_policy, language, user,
                        iso_utc(now), since, team_id, previous.id,
                    ],
                )  # fmt: skip
            current = self._subscription_for(platform, channel)
        assert current is not None
        return current, previous

    def unsubscribe(self, platform: str, channel: str) -> Subscription | None:
        """Remove a conversation's subscription; returns it, or None when there was none.
        Its deliveries stay (they are the record of what was posted)."""
        with self._transaction():
            previous = self._subscription_for(platform, channel)
            if previous is not None:
                self.db.execute("DELETE FROM digest_subscriptions WHERE id = ?", [previous.id])
        return previous

    def subscription(self, platform: str, channel: str) -> Subscription | None:
        with self._lock:
            return self._subscription_for(platform, channel)

    def subscription_by_id(self, subscription_id: int) -> Subscription | None:
        with self._lock:
            row = self.db.execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM digest_subscriptions WHERE id = ?",
                [subscription_id],
            ).fetchone()
        return Subscription(*row) if row else None

    def subscriptions(self, *, channel: str | None = None) -> list[Subscription]:
        rows = self._rows("digest_subscriptions", _SUBSCRIPTION_COLUMNS, channel)
        return [Subscription(*row) for row in rows]

    def _rows(self, table: str, columns: str, channel: str | None) -> list[Any]:
        """Every row of a table, or of one channel, oldest first."""
        sql = f"SELECT {columns} FROM {table}"
        args: list[Any] = []
        if channel is not None:
            sql += " WHERE channel = ?"
            args.append(channel)
        with self._lock:
            return self.db.execute(sql + " ORDER BY id", args).fetchall()

    def _subscription_for(self, platform: str, channel: str) -> Subscription | None:
        row = self.db.execute(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM digest_subscriptions "
            "WHERE platform = ? AND channel = ?",
            [platform, channel],
        ).fetchone()
        return Subscription(*row) if row else None

    # --- deliveries: the claim protocol ---------------------------------------------------

    def claim(
        self,
        *,
        platform: str,
        channel: str,
        period_key: str,
        period_start: str,
        period_end: str,
        kind: str,
        owner: str,
        lease_s: float,
        subscription_id: int | None = None,
    ) -> Claim:
        """Claim a period for posting (see Claim). One immediate transaction: insert the
        delivery, or take over one whose lease ran out (a token compare-and-set)."""
        now = self.clock()
        token = uuid.uuid4().hex
        with self._transaction():
            existing = self._delivery(platform, channel, period_key)
            if existing is None:
                self.db.execute(
                    "INSERT INTO digest_deliveries (subscription_id, platform, channel, "
                    "period_key, period_start, period_end, kind, state, marker, claim_token, "
                    "owner, first_claimed_at, lease_until, attempts, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 'claimed', ?, ?, ?, ?, ?, 0, ?)",
                    [
                        subscription_id, platform, channel, period_key, period_start,
                        period_end, kind, marker_for(platform, channel, period_key), token,
                        owner, now, now + lease_s, iso_utc(now),
                    ],
                )  # fmt: skip
                outcome: Literal["new", "resume", "done", "busy"] = "new"
            elif existing.final:
                return Claim("done", existing)
            elif existing.lease_until > now and not owner_gone(existing.owner, owner):
                return Claim("busy", existing)
            else:
                self.db.execute(
                    "UPDATE digest_deliveries SET claim_token = ?, owner = ?, lease_until = ? "
                    "WHERE id = ? AND claim_token = ?",
                    [token, owner, now + lease_s, existing.id, existing.claim_token],
                )
                outcome = "resume"
            delivery = self._delivery(platform, channel, period_key)
        assert delivery is not None
        return Claim(outcome, delivery)

    def mark_posting(self, delivery: Delivery, *, lease_s: float) -> Delivery | None:
        """Record that the message is about to be sent (from now on it may exist). None when
        the claim was lost."""
        return self._update(
            delivery,
            "state = 'posting', attempts = attempts + 1, lease_until = ?",
            [self.clock() + lease_s],
        )

    def mark_posted(self, delivery: Delivery, message_id: str, *, items: int) -> Delivery | None:
        return self._update(
            delivery,
            "state = 'posted', message_id = ?, posted_at = ?, items = ?, error = NULL",
            [message_id, iso_utc(self.clock()), items],
        )

    def mark_skipped(self, delivery: Delivery, reason: str) -> Delivery | None:
        return self._update(delivery, "state = 'skipped', error = ?, items = 0", [reason])

    def mark_failed(self, delivery: Delivery, error: str) -> Delivery | None:
        return self._update(delivery, "state = 'failed', error = ?", [error[:1000]])

    def release(
        self, delivery: Delivery, error: str, *, retry_in_s: float, sent: bool
    ) -> Delivery | None:
        """Give the claim back after a failure, to be retried once `retry_in_s` passed:
        state "claimed" when the platform refused the message (nothing exists), "posting"
        when it is unknown whether it went through (the retry looks for it first)."""
        state = "posting" if sent else "claimed"
        return self._update(
            delivery,
            f"state = '{state}', error = ?, lease_until = ?",
            [error[:1000], self.clock() + retry_in_s],
        )

    def _update(self, delivery: Delivery, assignments: str, args: list[Any]) -> Delivery | None:
        with self._transaction():
            cursor = self.db.execute(
                f"UPDATE digest_deliveries SET {assignments} WHERE id = ? AND claim_token = ?",
                [*args, delivery.id, delivery.claim_token],
            )
            if cursor.rowcount != 1:
                return None
            return self._delivery(delivery.platform, delivery.channel, delivery.period_key)

    # --- deliveries: reading -------------------------------------------------------------

    def delivery(self, platform: str, channel: str, period_key: str) -> Delivery | None:
        with self._lock:
            return self._delivery(platform, channel, period_key)

    def deliveries(self, *, channel: str | None = None) -> list[Delivery]:
        rows = self._rows("digest_deliveries", _DELIVERY_COLUMNS, channel)
        return [Delivery(*row) for row in rows]

    def last_posted(self, platform: str, channel: str) -> Delivery | None:
        """The latest period posted in a conversation (the CLI's default start)."""
        with self._lock:
            row = self.db.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM digest_deliveries WHERE platform = ? AND "
                "channel = ? AND state = 'posted' ORDER BY period_end DESC, id DESC LIMIT 1",
                [platform, channel],
            ).fetchone()
        return Delivery(*row) if row else None

    def _delivery(self, platform: str, channel: str, period_key: str) -> Delivery | None:
        row = self.db.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM digest_deliveries "
            "WHERE platform = ? AND channel = ? AND period_key = ?",
            [platform, channel, period_key],
        ).fetchone()
        return Delivery(*row) if row else None


def _schema_v1(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE digest_subscriptions (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            team_id TEXT,
            schedule TEXT NOT NULL,
            schedule_text TEXT NOT NULL,
            region TEXT,
            empty_policy TEXT NOT NULL DEFAULT 'message'
                CHECK (empty_policy IN ('message', 'skip')),
            language TEXT NOT NULL DEFAULT 'fr',
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            schedule_since REAL NOT NULL,
            UNIQUE (platform, channel)
        )"""
    )
    db.execute(
        """CREATE TABLE digest_deliveries (
            id INTEGER PRIMARY KEY,
            subscription_id INTEGER,
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            period_key TEXT NOT NULL,
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            kind TEXT NOT NULL,
            state TEXT NOT NULL
                CHECK (state IN ('claimed', 'posting', 'posted', 'skipped', 'failed')),
            marker TEXT NOT NULL,
            claim_token TEXT NOT NULL,
            owner TEXT NOT NULL,
            first_claimed_at REAL NOT NULL,
            lease_until REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id TEXT,
            posted_at TEXT,
            error TEXT,
            items INTEGER,
            created_at TEXT NOT NULL,
            UNIQUE (platform, channel, period_key)
        )"""
    )
    db.execute("CREATE INDEX digest_deliveries_state ON digest_deliveries (state, lease_until)")


# (version reached, step). Append new steps; never edit a released one.
_MIGRATIONS: tuple[tuple[int, Callable[[sqlite_utils.Database], None]], ...] = ((1, _schema_v1),)
