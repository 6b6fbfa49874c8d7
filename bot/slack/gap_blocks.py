"""Block Kit for the gaps report (bot/gaps/): the private reply to `/alliances lacunes`, and
the same message posted by the weekly schedule. Nothing here calls Slack.

One report is one message (exactly-once is per message): header, period and totals, one
section per theme — its label, counts, example questions (who asked and where, except in
direct messages), 👎 comments — with its closest sources under it, then the gaps closed.
Past 50 blocks the remaining themes are counted in a last line. User text is escaped.
"""

from __future__ import annotations

import re
from typing import Any

from bot.bilingual import say as _say
from bot.gaps import render
from bot.gaps.render import GapReportReply
from bot.gaps.report import GapQuestion, GapSource, GapTheme
from bot.slack import blocks as kit

Block = dict[str, Any]

HEADER_LIMIT = 150
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SLACK_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")


def gap_reply_blocks(reply: Any) -> list[Block] | None:
    """Blocks for a gaps report reply; None for replies of other kinds (the doors' dispatch)."""
    if isinstance(reply, GapReportReply):
        return gap_report_blocks(reply)
    return None


def gap_report_blocks(reply: GapReportReply) -> list[Block]:
    """The report's blocks: at most 50 (one message)."""
    report = reply.report
    lang = report.language
    blocks: list[Block] = [
        _header(render.title(report)),
        kit.context(kit.escape(f"{render.period_text(report)} · {render.totals_text(report)}")),
    ]
    tail: list[Block] = []
    if report.closed:
        lines = "\n".join(kit.escape(render.closed_text(theme, lang)) for theme in report.closed)
        tail.append(_section(f"*{kit.escape(render.closed_heading(report))}*\n{lines}"))
    tail += [kit.context(kit.escape(note)) for note in reply.notes]
    room = kit.BLOCKS_PER_MESSAGE - len(blocks) - len(tail) - 1  # one for "… N more"
    shown = 0
    for number, theme in enumerate(report.themes, start=1):
        theme_blocks = _theme_blocks(number, theme, lang)
        if len(theme_blocks) > room:
            break
        blocks += theme_blocks
        room -= len(theme_blocks)
        shown += 1
    hidden = len(report.themes) - shown
    if hidden:
        blocks.append(
            kit.context(
                _say(
                    lang,
                    f"… et {hidden} autre{'s' if hidden > 1 else ''} thème"
                    f"{'s' if hidden > 1 else ''} : `alliances gaps --format csv`",
                    f"… and {hidden} more theme{'s' if hidden > 1 else ''}: "
                    "`alliances gaps --format csv`",
                )
            )
        )
    return blocks + tail


def notification_text(reply: GapReportReply) -> str:
    """The message's `text` (notifications, screen readers): title, period and totals."""
    report = reply.report
    return kit.fallback_text(
        f"{render.title(report)} — {render.period_text(report)} : {render.totals_text(report)}"
    )


def _theme_blocks(number: int, theme: GapTheme, language: str) -> list[Block]:
    lines = [
        f"*{kit.escape(render.theme_heading(number, theme))}*",
        f"_{kit.escape(render.theme_facts(theme, language))}_",
    ]
    lines += [
        "• " + render.example_text(_escaped(example), language, who=_who, where=_where)
        for example in theme.examples
    ]
    lines += [kit.escape(render.comment_text(comment.text)) for comment in theme.comments]
    blocks = [_section("\n".join(lines))]
    if theme.sources:
        listed = " ; ".join(_source(source) for source in theme.sources)
        blocks.append(kit.context(f"📄 {kit.escape(render.sources_label(language))} {listed}"))
    return blocks


def _escaped(question: GapQuestion) -> GapQuestion:
    """The question with its text escaped for mrkdwn (the rest is formatted by _who/_where)."""
    from dataclasses import replace

    return replace(question, question=kit.escape(question.question))


def _who(question: GapQuestion) -> str:
    asker = question.asker or ""
    if question.platform == "slack" and _SLACK_USER.match(asker):
        return f"<@{asker}>"
    return kit.escape(question.asker_name or asker or "?")


def _where(question: GapQuestion) -> str:
    channel = question.channel or ""
    if question.platform == "slack" and _SLACK_CHANNEL.match(channel):
        return f"<#{channel}>"
    return kit.escape(channel or "?") + (" (Teams)" if question.platform == "teams" else "")


def _source(source: GapSource) -> str:
    return kit.link(source.url, kit.escape(render.source_text(source)))


def _section(text: str) -> Block:
    if len(text) > kit.SECTION_LIMIT:
        text = text[: kit.SECTION_LIMIT - 1].rsplit("\n", 1)[0] + "\n…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _header(text: str) -> Block:
    if len(text) > HEADER_LIMIT:
        text = text[: HEADER_LIMIT - 1].rstrip() + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}
