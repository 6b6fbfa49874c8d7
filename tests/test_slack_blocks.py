"""Block Kit rendering (bot/slack/blocks.py) and Slack text parsing (bot/slack/messages.py)."""

from __future__ import annotations

import json

from bot.chat import AnswerReply, NoticeReply
from bot.slack import blocks as kit
from bot.slack.messages import mentions, plain_text
from retrieval.answers import Answer, Citation


def reply(text: str, citations=(), filters=None, channel_region=None) -> AnswerReply:
    answer = Answer("q", text, False, list(citations), filters=filters or {})
    return AnswerReply(answer, "a1b2", channel_region=channel_region)


def test_answer_blocks_have_text_numbered_sources_filters_and_buttons() -> None:
    citations = [
        Citation("Mandataires par région", "f.txt", "Mauricie", 0.9, url="https://q.ca/a"),
        Citation("Mise en contexte", "m.md", "AXE 3", 0.5),
        Citation("Maraîchers", "update", "Mise à jour", 0.4, author="Marie", date="2024-06-03"),
    ]
    blocks = kit.answer_blocks(
        reply(
            "Le mandataire est **le Consortium** [1] & <autre>.",
            citations,
            {"region": "Mauricie"},
            channel_region="Mauricie",
        ),
        share=True,
    )
    text = blocks[0]["text"]["text"]
    assert text == "Le mandataire est *le Consortium* [1] &amp; &lt;autre&gt;."
    sources = blocks[1]["text"]["text"]
    assert "[1] <https://q.ca/a|Mandataires par région> — Mauricie" in sources
    assert "[2] Mise en contexte — AXE 3" in sources
    assert "[3] Maraîchers — Mise à jour (Marie, 2024-06-03)" in sources
    same = kit.citation_line(4, Citation("Mandataires (2019)", "f", "Mandataires", 0.1))
    assert same == "[4] Mandataires (2019)"  # a section repeating the title is not shown
    assert blocks[2]["elements"][0]["text"] == "Filtres : région Mauricie (réglage du canal)"
    actions = blocks[3]["elements"]
    assert [a["action_id"] for a in actions] == [
        kit.ACTION_FEEDBACK_UP,
        kit.ACTION_FEEDBACK_DOWN,
        kit.ACTION_SHARE,
    ]
    assert {a["value"] for a in actions} == {"a1b2"}


def test_an_abstention_lists_its_citations_as_the_closest_sources() -> None:
    citation = Citation("Mise en contexte", "m.md", "AXE 3", 0.5)
    for language, heading in (("fr", "*Sources les plus proches*"), ("en", "*Closest sources*")):
        answer = Answer("q", "Je ne trouve pas la réponse.", True, [citation], language=language)
        blocks = kit.answer_blocks(AnswerReply(answer, "a1"))
        assert blocks[1]["text"]["text"] == f"{heading}\n[1] Mise en contexte — AXE 3"


def test_long_answers_are_split_never_rejected() -> None:
    paragraph = ("Les Alliances pour la solidarité soutiennent des projets locaux. " * 20).strip()
    text = "\n\n".join([paragraph] * 12)  # about 15,000 characters
    blocks = kit.answer_blocks(reply(text))
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) >= 5
    assert all(len(b["text"]["text"]) <= kit.SECTION_LIMIT for b in sections)
    rebuilt = "\n\n".join(b["text"]["text"] for b in sections)
    assert rebuilt.replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_split_never_cuts_links_or_entities() -> None:
    text = ("a" * 2990) + " <https://example.org/x|un lien> &amp; suite " + ("b " * 2000)
    for piece in kit.split_text(text):
        assert len(piece) <= kit.SECTION_LIMIT
        assert piece.count("<") == piece.count(">")
        assert "&am" not in piece.replace("&amp;", "")
    unbroken = "x" * 7000
    assert [len(p) for p in kit.split_text(unbroken)] == [3000, 3000, 1000]


def test_stream_pieces_give_the_text_back_exactly() -> None:
    text = "Première phrase. " * 100 + "\n\nFin."
    pieces = kit.stream_pieces(text)
    assert "".join(pieces) == text
    assert all(len(piece) <= 400 for piece in pieces)


def test_many_blocks_are_paginated() -> None:
    blocks = [{"type": "divider"}] * 120
    pages = kit.paginate(blocks)
    assert [len(page) for page in pages] == [50, 50, 20]
    assert kit.paginate([]) == [[]]


def test_notice_and_fallback_text() -> None:
    blocks = kit.notice_blocks(NoticeReply("Réglage refusé.", kind="refusal"))
    assert blocks[0]["text"]["text"] == "⚠️ Réglage refusé."
    assert len(kit.fallback_text("x" * 5000)) == kit.FALLBACK_LIMIT


def test_feedback_view_is_valid_json_and_carries_the_answer() -> None:
    view = kit.feedback_comment_view("a1b2")
    assert json.loads(json.dumps(view))["private_metadata"] == "a1b2"
    assert view["callback_id"] == kit.VIEW_FEEDBACK_COMMENT


def test_plain_text_from_slack_format() -> None:
    text = "<@U0BOT> Voir <https://q.ca|le site> &amp; <#C1|general>, dis à <@U0MARIE> &lt;3"
    assert plain_text(text, "U0BOT") == "Voir le site & #general, dis à @U0MARIE <3"
    assert mentions(text) == {"U0BOT", "U0MARIE"}
