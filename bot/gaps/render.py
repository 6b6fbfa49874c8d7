"""What a gaps report says, platform-neutral: the chat reply (`GapReportReply`), the
wording the doors share (bot/slack/gap_blocks.py, bot/teams/gap_cards.py), and the
plain-text, CSV and JSON forms of `alliances gaps`.

French, or English for a report built with `language="en"`. A question asked in a direct
message is shown as « message direct », never with who asked it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.bilingual import say as _say
from bot.gaps.durations import format_duration
from bot.gaps.report import GapQuestion, GapReport, GapSource, GapTheme
from knowledge.projects import LOCAL_TIME_ZONE as TIME_ZONE
from knowledge.projects import format_date

CSV_COLUMNS = (
    "status", "label", "questions", "abstentions", "down_votes", "first_at", "last_at",
    "examples", "comments", "sources", "closed_by", "closed_at",
)  # fmt: skip


@dataclass(frozen=True)
class GapReportReply:
    """A gaps report as a chat reply: shown privately to an administrator who asked
    (`lacunes`), or posted by the weekly schedule (`private` False)."""

    report: GapReport
    private: bool = True
    notes: tuple[str, ...] = field(default=())  # extra lines under the report

    @property
    def language(self) -> str:
        return self.report.language

    def fallback_text(self) -> str:
        return report_text(self.report, notes=self.notes)


# --- shared wording --------------------------------------------------------------------------


def title(report: GapReport) -> str:
    return _say(report.language, "Ce que la base ne sait pas", "What the knowledge base lacks")


def period_text(report: GapReport) -> str:
    """`Du 26 mai 2025 au 2 juin 2025 (7 jours)` (Québec dates)."""
    lang = report.language
    start = format_date(report.start.astimezone(TIME_ZONE).date(), lang)
    end = format_date(report.end.astimezone(TIME_ZONE).date(), lang)
    length = format_duration(report.end - report.start, lang)
    return _say(lang, f"Du {start} au {end} ({length})", f"From {start} to {end} ({length})")


def totals_text(report: GapReport) -> str:
    lang = report.language
    count = report.questions
    if not count and not report.closed:
        return empty_text(report)
    parts = _say(
        lang,
        f"{count} question{_s(count)} sans bonne réponse"
        if count
        else "Aucune question sans bonne réponse",
        f"{count} question{_s(count, en=True)} without a good answer"
        if count
        else "No question without a good answer",
    )
    details = []
    if report.abstentions:
        details.append(_counted(report.abstentions, "abstention", lang))
    if report.down_votes:
        details.append(f"{report.down_votes} 👎")
    if details:
        parts += " : " if lang != "en" else ": "
        parts += ", ".join(details)
    if report.closed:
        closed = len(report.closed)
        parts += " · " + _say(
            lang,
            f"{closed} lacune{_s(closed)} comblée{_s(closed)}",
            f"{closed} gap{_s(closed, en=True)} closed",
        )
    return parts


def empty_text(report: GapReport) -> str:
    lang = report.language
    weekly = 6 * 86400 <= (report.end - report.start).total_seconds() <= 8 * 86400
    if weekly:
        return _say(
            lang,
            "Aucune lacune cette semaine : pas d'abstention, pas de 👎.",
            "No gaps this week: no abstention, no 👎.",
        )
    return _say(
        lang,
        "Aucune lacune pendant cette période : pas d'abstention, pas de 👎.",
        "No gaps in this period: no abstention, no 👎.",
    )


def theme_facts(theme: GapTheme, language: str) -> str:
    """`3 questions · 2 abstentions · 1 👎 · déjà signalée la période précédente`."""
    parts = [_counted(theme.questions, "question", language)]
    if theme.abstentions:
        parts.append(_counted(theme.abstentions, "abstention", language))
    if theme.down_votes:
        parts.append(f"{theme.down_votes} 👎")
    if theme.earlier:
        parts.append(
            _say(language, "déjà signalée la période précédente", "already there last period")
        )
    return " · ".join(parts)


def example_text(
    question: GapQuestion,
    language: str,
    *,
    who: Callable[[GapQuestion], str] | None = None,
    where: Callable[[GapQuestion], str] | None = None,
) -> str:
    """`« Question ? » — 3 juin 2025, U123 dans C456 · abstention` (the question's text is
    left as stored: renderers escape it first when they need to). `who` and `where` format
    the asker and the conversation (Slack mentions…); a direct message names neither."""
    day = format_date(question.asked_at.astimezone(TIME_ZONE).date(), language)
    if question.direct:
        place = _say(language, "message direct", "direct message")
    else:
        asker = (who or plain_asker)(question)
        channel = (where or plain_channel)(question)
        place = _say(language, f"{asker} dans {channel}", f"{asker} in {channel}")
    marks = []
    if question.abstained:
        marks.append("abstention")
    if question.down_votes:
        marks.append("👎" + (f" ×{question.down_votes}" if question.down_votes > 1 else ""))
    tail = f" · {', '.join(marks)}" if marks else ""
    return f"« {question.question} » — {day}, {place}{tail}"


def plain_asker(question: GapQuestion) -> str:
    return question.asker_name or question.asker or "?"


def plain_channel(question: GapQuestion) -> str:
    return question.channel or "?"


def source_text(source: GapSource) -> str:
    """`Title — Section (×2)`."""
    text = source.title
    if source.section and source.section not in source.title:
        text += f" — {source.section}"
    if source.citations > 1:
        text += f" (×{source.citations})"
    return text


def sources_label(language: str) -> str:
    """What precedes a theme's closest sources: `Sources les plus proches :`."""
    return _say(language, "Sources les plus proches :", "Closest sources:")


def comment_text(text: str) -> str:
    return f"💬 « {text} »"


def closed_heading(report: GapReport) -> str:
    return _say(report.language, "Lacunes comblées", "Gaps closed")


def closed_text(theme: GapTheme, language: str) -> str:
    """`✅ Lacune comblée : « label » — « question » a reçu une réponse le 5 juin 2025.`"""
    assert theme.closed_by is not None
    closure = theme.closed_by
    day = format_date(closure.answered_at.astimezone(TIME_ZONE).date(), language)
    return _say(
        language,
        f"✅ Lacune comblée : « {theme.label} » ({theme_facts(theme, language)}) — "
        f"« {closure.question} » a reçu une réponse le {day}.",
        f"✅ Gap closed: “{theme.label}” ({theme_facts(theme, language)}) — "
        f"“{closure.question}” was answered on {day}.",
    )


def theme_heading(number: int, theme: GapTheme) -> str:
    return f"{number}. {theme.label}"


# --- whole reports ---------------------------------------------------------------------------


def report_text(report: GapReport, *, notes: tuple[str, ...] = ()) -> str:
    """The report as plain text (the CLI; platforms without a renderer)."""
    lang = report.language
    lines = [f"{title(report)} — {period_text(report)}", totals_text(report)]
    for number, theme in enumerate(report.themes, start=1):
        lines += ["", f"{theme_heading(number, theme)} — {theme_facts(theme, lang)}"]
        lines += [f"   {example_text(example, lang)}" for example in theme.examples]
        lines += [f"   {comment_text(comment.text)}" for comment in theme.comments]
        if theme.sources:
            listed = " ; ".join(source_text(source) for source in theme.sources)
            lines.append(f"   {sources_label(lang)} {listed}")
    if report.closed:
        lines += ["", closed_heading(report)]
        lines += [closed_text(theme, lang) for theme in report.closed]
    lines += list(notes)
    return "\n".join(lines)


def report_json(report: GapReport) -> str:
    """One JSON object: the period, the totals, `themes` (open) and `closed`."""
    return json.dumps({**report.to_dict(), "language": report.language}, ensure_ascii=False)


def report_csv(report: GapReport) -> str:
    """One row per theme (open ones, then closed ones); lists joined with « | »."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for theme in (*report.themes, *report.closed):
        closure = theme.closed_by
        writer.writerow(
            [
                "closed" if closure else "open",
                theme.label,
                theme.questions,
                theme.abstentions,
                theme.down_votes,
                _iso(theme.first_at),
                _iso(theme.last_at),
                " | ".join(example.question for example in theme.examples),
                " | ".join(comment.text for comment in theme.comments),
                " | ".join(source_text(source) for source in theme.sources),
                closure.question if closure else "",
                _iso(closure.answered_at) if closure else "",
            ]
        )
    return buffer.getvalue()


def _iso(moment: datetime) -> str:
    return moment.astimezone(TIME_ZONE).isoformat(timespec="minutes")


def _counted(count: int, word: str, language: str) -> str:
    """`3 abstentions`: a count and a word spelt alike in both languages, plural as the
    language wants it."""
    return f"{count} {word}{_s(count, en=language == 'en')}"


def _s(count: int, *, en: bool = False) -> str:
    """The plural mark: French plural from 2, English for everything but 1."""
    return "s" if (count != 1 if en else count > 1) else ""
