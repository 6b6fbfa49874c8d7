"""Helpers shared by the digest tests (this module holds no test).

- `FakeClock`: a controlled clock (epoch seconds) for the digest service and the project store;
- `DigestSlackStandIn`: the Slack stand-in plus what digests use: message metadata kept with
  the messages, `conversations.history` (with `include_all_metadata`), and `hold` to keep a
  method's HTTP answer back (a process can then be killed after Slack stored its message but
  before it learnt the message's ts);
- `seed_week`: projects and updates written with the clock at chosen times;
- `digest_messages`: the digests the bot posted in a channel.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from standins.slack_api import SlackStandIn

from bot.digests.delivery import EVENT_TYPE
from bot.digests.schedule import TIME_ZONE
from knowledge.paths import database_path
from knowledge.projects import Actor, ProjectDraft, ProjectStore, UpdateDraft

EDITOR = Actor("U0EDIT001", "Marie Tremblay", platform="slack", channel="C0MAURICIE")


@dataclass
class FakeClock:
    """Epoch seconds under the test's control."""

    now: float = field(default_factory=lambda: local(2025, 6, 2, 8).timestamp())

    def __call__(self) -> float:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment.timestamp()

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta).total_seconds()

    @property
    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Québec local time."""
    return datetime(year, month, day, hour, minute, tzinfo=TIME_ZONE)


class DigestSlackStandIn(SlackStandIn):
    """The Slack stand-in, with message metadata and conversations.history."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.hold: dict[str, float] = {}  # method → seconds its answer is held back

    async def _api(self, request: Any) -> Any:
        response = await super()._api(request)
        method = request.match_info["method"]
        delay = self.hold.get(method)
        if delay:  # held until the delay passes or the hold is lifted
            loop = asyncio.get_running_loop()
            deadline = loop.time() + delay
            while self.hold.get(method) and loop.time() < deadline:
                await asyncio.sleep(0.05)
        return response

    def _answer(self, method: str, args: dict[str, Any], token: str) -> dict[str, Any]:
        result = super()._answer(method, args, token)
        if method == "conversations.history" and result.get("error") == "unknown_method":
            return self._history(args)
        if method == "chat.postMessage" and result.get("ok") and args.get("metadata"):
            metadata = args["metadata"]
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            message = self._find(args["channel"], result["ts"])
            if message is not None:
                message["metadata"] = metadata
        return result

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages, newest first. `oldest` is not applied: the tests' controlled
        clock is not the stand-in's timestamps."""
        channel = args.get("channel", "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        top = [
            dict(message)
            for message in self.messages.get(channel, [])
            if not message.get("thread_ts") or message.get("thread_ts") == message["ts"]
        ]
        top.sort(key=lambda message: float(message["ts"]), reverse=True)
        if not with_metadata:
            for message in top:
                message.pop("metadata", None)
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        page = top[start : start + limit]
        more = start + limit < len(top)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }


def digest_messages(standin: SlackStandIn, channel: str) -> list[dict[str, Any]]:
    """The digests the bot posted in a channel (messages with the digest metadata)."""
    return [
        message
        for message in standin.bot_messages(channel)
        if (message.get("metadata") or {}).get("event_type") == EVENT_TYPE
    ]


def project_store(home: Path, clock: FakeClock) -> ProjectStore:
    return ProjectStore(database_path(home), clock=clock)


def seed_week(home: Path, clock: FakeClock, *, week_of: datetime) -> dict[str, int]:
    """Two Mauricie projects (two MRC), one Estrie project and their updates during the week
    starting at `week_of` (a Monday 9:00); the clock is left where it was."""
    saved = clock.now
    ids: dict[str, int] = {}
    with project_store(home, clock) as store:
        clock.set(week_of + timedelta(days=1))
        ids["garden"] = store.create_project(
            ProjectDraft(
                "Les maraîchers du cœur",
                "Mauricie",
                mrc="MRC des Chenaux",
                budget_cents=4_000_000,
                status="en cours",
            ),
            EDITOR,
        ).project.id
        ids["kitchen"] = store.create_project(
            ProjectDraft("Cuisine collective", "Mauricie", mrc="MRC de Maskinongé"), EDITOR
        ).project.id
        ids["estrie"] = store.create_project(
            ProjectDraft("Transport solidaire", "Estrie", mrc="MRC du Granit"), EDITOR
        ).project.id
        clock.set(week_of + timedelta(days=2))
        store.add_update(
            ids["garden"],
            UpdateDraft("12 jeunes inscrits pour la saison", amount_spent_cents=1_250_000,
                        people_reached=12),
            EDITOR,
        )  # fmt: skip
        clock.set(week_of + timedelta(days=3))
        store.add_update(
            ids["kitchen"],
            UpdateDraft("Premier atelier donné", status="en cours", people_reached=8),
            EDITOR,
        )
        store.add_update(ids["estrie"], UpdateDraft("Circuit en essai"), EDITOR)
    clock.now = saved
    return ids


def add_update(home: Path, clock: FakeClock, project_id: int, text: str, at: datetime) -> None:
    saved = clock.now
    clock.set(at)
    with project_store(home, clock) as store:
        store.add_update(project_id, UpdateDraft(text), EDITOR)
    clock.now = saved
