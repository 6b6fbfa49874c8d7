"""Teams conversation references, kept durably in the chat state database (`state.db`).

A reference (service URL, conversation, bot and tenant ids) is what the Agents SDK needs to
write to a conversation when nobody has just written to the bot: the digests. One is
stored when the bot is installed in a team, a group chat or a personal chat
(`installationUpdate`, `conversationUpdate` with the bot among the members added) and refreshed
on every message it answers. Removing the bot marks the conversation uninstalled.

Channels are stored without their thread (`;messageid=…`), so that a proactive message starts
a new post in the channel. The table lives in its own connection to the same SQLite file as
`bot.state.State` (WAL mode, so both write safely).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from microsoft_agents.activity import Activity, ConversationReference

from bot.teams.messages import base_conversation_id, place_of

TABLE = "teams_conversations"


@dataclass(frozen=True)
class StoredConversation:
    """A Teams conversation the bot can write to."""

    conversation_id: str
    kind: str  # "personal" | "groupChat" | "channel"
    reference: ConversationReference
    installed: bool
    team_id: str | None = None
    team_name: str | None = None
    channel_name: str | None = None
    tenant_id: str | None = None
    updated_at: str | None = None


class ConversationReferences:
    """The `teams_conversations` table. Thread-safe; every write is its own transaction."""

    def __init__(self, path: Path | str, *, clock=time.time):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), timeout=10.0, check_same_thread=False)
        with self._lock, self._db:
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                "conversation_id TEXT PRIMARY KEY, kind TEXT NOT NULL, tenant_id TEXT, "
                "team_id TEXT, team_name TEXT, channel_name TEXT, service_url TEXT NOT NULL, "
                "reference TEXT NOT NULL, installed INTEGER NOT NULL DEFAULT 1, "
                "first_seen_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def remember(self, activity: Activity, *, installed: bool = True) -> StoredConversation:
        """Store (or refresh) the reference of the conversation an activity came from."""
        place = place_of(activity)
        key = base_conversation_id(place.base_id)  # what `get` looks up, whatever the id holds
        reference = activity.get_conversation_reference()
        reference.activity_id = None
        reference.conversation = reference.conversation.model_copy(update={"id": key})
        if not reference.service_url:
            raise ValueError("an activity without serviceUrl cannot be answered later")
        now = _iso(self._clock())
        payload = json.dumps(
            reference.model_dump(mode="json", by_alias=True, exclude_none=True),
            ensure_ascii=False,
        )
        with self._lock, self._db:
            self._db.execute(
                f"INSERT INTO {TABLE} (conversation_id, kind, tenant_id, team_id, team_name, "
                "channel_name, service_url, reference, installed, first_seen_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE "
                "SET kind = excluded.kind, tenant_id = excluded.tenant_id, "
                "team_id = COALESCE(excluded.team_id, team_id), "
                "team_name = COALESCE(excluded.team_name, team_name), "
                "channel_name = COALESCE(excluded.channel_name, channel_name), "
                "service_url = excluded.service_url, reference = excluded.reference, "
                "installed = excluded.installed, updated_at = excluded.updated_at",
                [
                    key,
                    place.kind,
                    place.tenant_id,
                    place.team_id,
                    place.team_name,
                    place.channel_name,
                    reference.service_url,
                    payload,
                    1 if installed else 0,
                    now,
                    now,
                ],
            )
        stored = self.get(key)
        assert stored is not None
        return stored

    def mark_uninstalled(self, activity: Activity) -> None:
        """The bot was removed from the conversation (or its team): no proactive messages."""
        place = place_of(activity)
        with self._lock, self._db:
            self._db.execute(
                f"UPDATE {TABLE} SET installed = 0, updated_at = ? "
                "WHERE conversation_id = ? OR (team_id IS NOT NULL AND team_id = ?)",
                [_iso(self._clock()), base_conversation_id(place.base_id), place.team_id],
            )

    def get(self, conversation_id: str) -> StoredConversation | None:
        """The stored conversation (a channel thread's id finds its channel), or None."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM {TABLE} WHERE conversation_id = ?",
                [base_conversation_id(conversation_id)],
            ).fetchone()
        return _stored(row) if row else None

    def all(self, *, installed_only: bool = True) -> list[StoredConversation]:
        """Every stored conversation, oldest first (installed ones only by default)."""
        query = f"SELECT {_COLUMNS} FROM {TABLE}"
        if installed_only:
            query += " WHERE installed = 1"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY first_seen_at, rowid").fetchall()
        return [_stored(row) for row in rows]


_COLUMNS = (
    "conversation_id, kind, reference, installed, team_id, team_name, channel_name, "
    "tenant_id, updated_at"
)


def _stored(row: tuple) -> StoredConversation:
    reference = ConversationReference.model_validate(json.loads(row[2]))
    return StoredConversation(
        conversation_id=row[0],
        kind=row[1],
        reference=reference,
        installed=bool(row[3]),
        team_id=row[4],
        team_name=row[5],
        channel_name=row[6],
        tenant_id=row[7],
        updated_at=row[8],
    )


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")
