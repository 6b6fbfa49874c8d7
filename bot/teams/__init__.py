"""The Microsoft Teams door: Agents SDK hosting, Adaptive Cards, conversation references,
proactive messages, and the Teams app package.

Public API:
- `TeamsDoor(settings.teams, chat, state).mount(web_app)`: POST /api/messages in the server;
- `TEAMS_DOOR`: the door in a running server (`web_app[TEAMS_DOOR]`);
- `send_proactive(web_app, conversation_id, reply)` / `TeamsDoor.send_proactive`: post a
  platform-neutral reply (or Markdown text) to a stored conversation (the digests);
- `TeamsDoor.conversations()`: the conversations the bot is installed in;
- `bot.teams.cards.register_card_action` / `register_renderer`: hooks for later issues' cards
  (the project form);
- `bot.teams.package.build_package`: the Teams app package (`alliances teams-package`).

The names above are imported on first use: the Agents SDK takes a second or two to import,
which `alliances teams-package` and the icons do not need.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MESSAGES_PATH", "TEAMS_DOOR", "TeamsDoor", "render", "send_proactive"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bot.teams import app

        return getattr(app, name)
    raise AttributeError(f"module 'bot.teams' has no attribute {name!r}")
