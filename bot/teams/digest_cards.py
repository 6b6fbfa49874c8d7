"""Adaptive Cards for digests (bot/digests/), registered with the Teams door's renderers:
importing this module makes `bot.teams.render(DigestReply)` — hence `send_proactive`, which
the digest scheduler calls — produce these cards. Nothing here calls Teams.

A digest card: title, period and totals, then per MRC a heading and per project its
reference, name and status, the facts of the period and its latest updates, with a
"Voir #12" button: the project cards' own "show" action (bot/teams/project_cards.py), which
the door turns into the command `projet voir #12`, answered with the project's card. A
digest too large for one Teams message (~28 KB) is split over several cards, never refused.
"""

from __future__ import annotations

from typing import Any

from bot.bilingual import say as _say
from bot.digests.content import (
    DigestReply,
    ProjectItem,
    item_facts,
    more_updates_text,
    preview_note,
    update_line_text,
)
from bot.teams import cards
from bot.teams.project_cards import ACTION_SHOW, LANGUAGE_KEY
from knowledge.projects import status_label

Card = dict[str, Any]
Element = dict[str, Any]


def digest_cards(reply: DigestReply, limit: int = cards.CARD_BYTES_LIMIT) -> list[Card]:
    """The digest as one card, or several when it is too large for one Teams message."""
    digest = reply.digest
    lang = digest.language
    head: list[Element] = []
    if reply.preview:
        head.append(cards.text_block(cards.plain(preview_note(reply)), isSubtle=True, size="Small"))
    head.append(cards.text_block(digest.title(), size="Large", weight="Bolder"))
    head.append(cards.text_block(digest.period_text(), isSubtle=True, spacing="None"))
    parts = digest.totals_parts()
    if parts:
        head.append(cards.text_block(" · ".join(parts)))
    if digest.empty:
        head.append(cards.text_block(digest.empty_text()))
        return [cards.adaptive_card(head)]
    sections: list[list[Element]] = []
    for group in digest.groups:
        heading = cards.text_block(
            f"**📍 {cards.plain(digest.group_label(group))}**", separator=True, spacing="Medium"
        )
        for number, item in enumerate(group.items):
            section = [heading] if number == 0 else []
            sections.append([*section, _item_container(item, lang)])
    return cards.section_cards(head, sections, limit)


def _item_container(item: ProjectItem, language: str) -> Element:
    body: list[Element] = [
        cards.text_block(
            f"**{item.reference} {cards.plain(item.name)}** · {status_label(item.status, language)}"
        )
    ]
    facts = item_facts(item, language)
    if facts:
        body.append(cards.text_block(" · ".join(facts), size="Small", spacing="None"))
    for line in item.updates:
        body.append(
            cards.text_block(
                "– " + cards.plain(update_line_text(line, language)),
                size="Small",
                spacing="None",
                isSubtle=True,
            )
        )
    more = more_updates_text(item, language)
    if more:
        body.append(cards.text_block(more, size="Small", spacing="None", isSubtle=True))
    body.append(
        {
            "type": "ActionSet",
            "spacing": "Small",
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": _say(language, f"Voir {item.reference}", f"Show {item.reference}"),
                    "data": {
                        cards.ACTION_KEY: ACTION_SHOW,
                        "project_id": item.project_id,
                        LANGUAGE_KEY: language,
                    },
                }
            ],
        }
    )
    return {"type": "Container", "spacing": "Medium", "items": body}


def register() -> None:
    """Render DigestReply as these cards in Teams (idempotent)."""
    cards.register_renderer(DigestReply, digest_cards)


register()
