"""Adaptive Cards for the gaps report (bot/gaps/), registered with the Teams door's renderers:
importing this module makes `bot.teams.render(GapReportReply)` — hence the private reply to
`lacunes` and `send_proactive`, which the weekly schedule calls — produce these cards.
Nothing here calls Teams.

A report card: title, period and totals, then per theme a container with its label, counts,
example questions (who asked and where, except in direct messages), 👎 comments and its
closest sources (linked when they have an address), then the gaps closed. A report too
large for one Teams message (~28 KB) is split over several cards, never refused.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.gaps import render
from bot.gaps.render import GapReportReply
from bot.gaps.report import GapQuestion, GapSource, GapTheme
from bot.teams import cards

Card = dict[str, Any]
Element = dict[str, Any]


def gap_cards(reply: GapReportReply, limit: int = cards.CARD_BYTES_LIMIT) -> list[Card]:
    """The report as one card, or several when it is too large for one Teams message."""
    report = reply.report
    lang = report.language
    head: list[Element] = [
        cards.text_block(render.title(report), size="Large", weight="Bolder"),
        cards.text_block(cards.plain(render.period_text(report)), isSubtle=True, spacing="None"),
        cards.text_block(cards.plain(render.totals_text(report))),
    ]
    sections: list[list[Element]] = [
        [_theme_container(number, theme, lang)]
        for number, theme in enumerate(report.themes, start=1)
    ]
    if report.closed:
        sections.append(
            [
                cards.text_block(
                    f"**{render.closed_heading(report)}**", separator=True, spacing="Medium"
                ),
                *(
                    cards.text_block(cards.plain(render.closed_text(theme, lang)))
                    for theme in report.closed
                ),
            ]
        )
    if reply.notes:
        sections.append(
            [
                cards.text_block(cards.plain(note), isSubtle=True, size="Small")
                for note in reply.notes
            ]
        )
    return cards.section_cards(head, sections, limit)


def _theme_container(number: int, theme: GapTheme, language: str) -> Element:
    body: list[Element] = [
        cards.text_block(f"**{cards.plain(render.theme_heading(number, theme))}**"),
        cards.text_block(render.theme_facts(theme, language), size="Small", spacing="None"),
    ]
    for example in theme.examples:
        body.append(
            cards.text_block(
                "– " + cards.plain(render.example_text(_plain_question(example), language)),
                size="Small",
                spacing="None",
            )
        )
    for comment in theme.comments:
        body.append(
            cards.text_block(
                cards.plain(render.comment_text(comment.text)),
                size="Small",
                spacing="None",
                isSubtle=True,
            )
        )
    if theme.sources:
        listed = " ; ".join(_source(source) for source in theme.sources)
        body.append(
            cards.text_block(
                f"📄 {render.sources_label(language)} {listed}", size="Small", isSubtle=True
            )
        )
    return {"type": "Container", "spacing": "Medium", "separator": True, "items": body}


def _plain_question(question: GapQuestion) -> GapQuestion:
    return replace(question, question=cards.plain(question.question))


def _source(source: GapSource) -> str:
    return cards.link(source.url, cards.plain(render.source_text(source)))


def register() -> None:
    """Render GapReportReply as these cards in Teams (idempotent)."""
    cards.register_renderer(GapReportReply, gap_cards)


register()
