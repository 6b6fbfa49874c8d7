"""The `sources` replies as Adaptive Cards in Teams (registered with
`cards.register_renderer` when this module is imported: `install_sources_commands` does it
when Teams is configured):

- `SourceListReply` → the documents, a "Voir" button per document (the text command
  `sources voir <n>`, through `cards.register_card_action`), split over several cards when
  the list is too long for one Teams message;
- `SourceCardReply` → one document: its facts and its history;
- `SourceCorrectedReply`, `SourceRemovedReply` → the confirmations.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.bilingual import say as _say
from bot.sources_commands import (
    SourceCardReply,
    SourceCorrectedReply,
    SourceListReply,
    SourceRemovedReply,
    history_line,
)
from bot.teams import cards as kit

ACTION_SHOW = "source_show"
LANGUAGE_KEY = "language"

Card = kit.Card
Element = kit.Element


def card_text(text: str) -> str:
    """Chat text (`` `sources voir 3` ``) as TextBlock markdown, which has no code spans:
    commands in bold."""
    return re.sub(r"`([^`\n]+)`", r"**\1**", text)


def _facts(pairs: list[tuple[str, str]]) -> Element:
    return {
        "type": "FactSet",
        "facts": [{"title": label, "value": value} for label, value in pairs],
    }


def _note(text: str) -> Element:
    return kit.text_block(card_text(text), isSubtle=True, size="Small", spacing="Small")


def _size(card: Card) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def _pack(head: list[Element], items: list[Element], tail: list[Element]) -> list[Card]:
    """`head`, `items` and `tail` over as few cards as Teams' message size allows."""
    result: list[Card] = []
    current = list(head)
    for item in items:
        if len(current) > len(head) and _size(kit.adaptive_card([*current, item])) > (
            kit.CARD_BYTES_LIMIT
        ):
            result.append(kit.adaptive_card(current))
            current = []
        current.append(item)
    if _size(kit.adaptive_card([*current, *tail])) > kit.CARD_BYTES_LIMIT:
        result.append(kit.adaptive_card(current))
        current = []
    result.append(kit.adaptive_card([*current, *tail]))
    return result


def list_cards(reply: SourceListReply) -> list[Card]:
    lang = reply.language
    if not reply.items:
        return [kit.adaptive_card([kit.text_block(reply.empty_text())])]
    head = [kit.text_block(reply.title(), size="Medium", weight="Bolder")]
    items = []
    for item in reply.items:
        source = item.source
        items.append(
            {
                "type": "ColumnSet",
                "separator": True,
                "columns": [
                    {
                        "type": "Column",
                        "width": "stretch",
                        "items": [
                            kit.text_block(item.heading(lang), weight="Bolder"),
                            kit.text_block(item.detail(lang), isSubtle=True, spacing="None"),
                        ],
                    },
                    {
                        "type": "Column",
                        "width": "auto",
                        "verticalContentAlignment": "Center",
                        "items": [
                            {
                                "type": "ActionSet",
                                "actions": [
                                    {
                                        "type": "Action.Submit",
                                        "title": _say(lang, "Voir", "Show"),
                                        "data": {
                                            kit.ACTION_KEY: ACTION_SHOW,
                                            "number": source.number,
                                            LANGUAGE_KEY: lang,
                                        },
                                    }
                                ],
                            }
                        ],
                    },
                ],
            }
        )
    return _pack(head, items, [_note(note) for note in reply.notes()])


def show_command(data: dict[str, Any]) -> str:
    """The text command of a list's "Voir" button: `sources voir 3`."""
    number = str(data.get("number", "")).strip()
    words = "sources show" if data.get(LANGUAGE_KEY) == "en" else "sources voir"
    return f"{words} {number}" if number.isascii() and number.isdecimal() else words


def source_card(reply: SourceCardReply) -> Card:
    lang = reply.language
    body: list[Element] = [
        kit.text_block(reply.heading(), size="Medium", weight="Bolder"),
        _facts(reply.facts()),
    ]
    if reply.history:
        body.append(kit.text_block(f"**{reply.history_title()}**"))
        body += [
            kit.text_block(f"• {history_line(entry, lang)}", spacing="None")
            for entry in reply.history
        ]
    return kit.adaptive_card(body)


def corrected_card(reply: SourceCorrectedReply) -> Card:
    body: list[Element] = [kit.text_block(reply.title(), weight="Bolder")]
    if reply.changes:
        body.append(
            _facts([(label, f"{before} → {after}") for label, before, after in reply.changes])
        )
    note = reply.note()
    if note:
        body.append(_note(note))
    return kit.adaptive_card(body)


def removed_card(reply: SourceRemovedReply) -> Card:
    body: list[Element] = [kit.text_block(reply.title(), weight="Bolder")]
    note = reply.note()
    if note:
        body.append(_note(note))
    return kit.adaptive_card(body)


def register() -> None:
    """Register the renderers and the "Voir" action with bot.teams.cards (idempotent)."""
    kit.register_renderer(SourceListReply, list_cards)
    kit.register_renderer(SourceCardReply, lambda reply: [source_card(reply)])
    kit.register_renderer(SourceCorrectedReply, lambda reply: [corrected_card(reply)])
    kit.register_renderer(SourceRemovedReply, lambda reply: [removed_card(reply)])
    if ACTION_SHOW not in kit.CARD_ACTIONS:
        kit.register_card_action(ACTION_SHOW, show_command)


register()
