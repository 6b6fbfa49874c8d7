"""Hostile or malformed requests to the Teams door (`POST /api/messages`), over real HTTP.

What must hold, whatever arrives:
- a bearer token that is not a Bot Framework token (no `kid`, `alg: none`, HS256, garbage):
  401, and the SDK never runs a turn for it;
- a body that is not an activity (a JSON array, fields of the wrong type, no conversation, no
  `serviceUrl`…): 400; an activity without a sender: acknowledged and ignored with a warning;
  never a 5xx;
- nothing the client controls makes the bot write « erreur interne » into a conversation, or
  log at ERROR.

The server is `bot.server.create_app` in this process, anonymous (ALLIANCES_TEAMS_ALLOW_
ANONYMOUS=1) or authenticated against the token/JWKS stand-in, with a fake assistant whose
answers wait behind a gate (so every HTTP answer is seen to come before the work is done).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections import Counter
from typing import Any

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from standins.servers import FakeAssistant
from standins.teams_connector import (
    ADMIN_AAD,
    APP_ID,
    BOT_ID,
    BOT_NAME,
    OTHER_AAD,
    TEAM_ID,
    TENANT_ID,
    USER_AAD,
    TeamsStandIn,
    new_channel_id,
    new_message_id,
    new_personal_chat_id,
    other_key,
)

from bot.teams import cards as kit
from bot.teams.app import CARD_UNREADABLE_TEXT

pytest_plugins = ["teams_fixtures"]

MAURICIE = "Qui est le mandataire en Mauricie ?"
CONSORTIUM = "Consortium en développement social de la Mauricie"
FUZZ_EXAMPLES = [100, pytest.param(1000, marks=pytest.mark.slow, id="1000")]


# --- helpers ------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: Any, claims: Any = None, signature: bytes = b"sig") -> str:
    """A JWT-shaped token with any header (any JSON value, or bytes as they are)."""

    def part(value: Any) -> str:
        return b64(value if isinstance(value, bytes) else json.dumps(value).encode())

    return f"{part(header)}.{part(claims if claims is not None else {})}.{b64(signature)}"


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """ERROR records, but asyncio's notice that the garbage collector destroyed a pending task
    (an earlier test's stopped event loop, e.g. its Socket Mode client, collected now)."""
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR
        and not (record.name == "asyncio" and "destroyed but it is pending" in record.getMessage())
    ]


def written(standin: TeamsStandIn) -> str:
    """Everything the bot wrote to any conversation (and what the connector refused)."""
    return json.dumps([item.activity for item in standin.received + standin.rejected])


def a_message(app: Any, chat: str | None = None, text: str = MAURICIE) -> dict[str, Any]:
    activity, _ = app.sender.personal_message(chat or new_personal_chat_id(), text, send=False)
    return activity


# --- 1. tokens ----------------------------------------------------------------------------


def bad_tokens(standin: TeamsStandIn) -> dict[str, str]:
    now_claims = {"aud": APP_ID, "iss": "https://api.botframework.com", "exp": 4102444800}
    return {
        "alg none": jwt.encode(now_claims, None, algorithm="none"),
        "HS256": jwt.encode(now_claims, "s" * 32, algorithm="HS256"),
        "HS256 with the real kid": jwt.encode(
            now_claims, "s" * 32, algorithm="HS256", headers={"kid": standin.kid}
        ),
        "RS256 without kid": jwt.encode(now_claims, other_key(), algorithm="RS256"),
        "RS256 kid not a string": raw_token({"alg": "RS256", "kid": 5}, now_claims),
        "RS256 empty kid": raw_token({"alg": "RS256", "kid": ""}, now_claims),
        "header an array": raw_token([1, 2], now_claims),
        "header not JSON": raw_token(b"{{", now_claims),
        "claims an array": raw_token({"alg": "RS256", "kid": standin.kid}, [1]),
        "audience an object": raw_token({"alg": "RS256", "kid": standin.kid}, {"aud": {}}),
        "garbage": "a.b.c",
        "one segment": "abc",
    }


@pytest.mark.parametrize(
    "name",
    [
        "alg none",
        "HS256",
        "HS256 with the real kid",
        "RS256 without kid",
        "RS256 kid not a string",
        "RS256 empty kid",
        "header an array",
        "header not JSON",
        "claims an array",
        "audience an object",
        "garbage",
        "one segment",
    ],
)
def test_a_token_that_is_not_a_bot_framework_token_is_refused_with_401(
    start_teams, caplog, name: str
) -> None:
    app = start_teams(auth=True)
    chat = new_personal_chat_id()
    sent = app.sender.post(a_message(app, chat), token=bad_tokens(app.standin)[name])
    assert sent.status == 401, sent.body
    app.standin.quiet()
    assert not app.standin.messages(chat) and not app.assistant.calls
    assert not errors_logged(caplog)


def test_the_good_token_still_works_after_bad_ones(start_teams) -> None:
    app = start_teams(auth=True)
    chat = new_personal_chat_id()
    for token in bad_tokens(app.standin).values():
        assert app.sender.post(a_message(app, chat), token=token).status == 401
    assert app.sender.post(a_message(app, chat)).status == 202
    (reply,) = app.standin.wait_messages(chat)
    assert CONSORTIUM in reply.text


def test_a_body_that_is_not_an_activity_needs_a_token_first(start_teams) -> None:
    app = start_teams(auth=True)
    assert app.sender.post([1, 2], token=False).status == 401  # unauthenticated: 401
    assert app.sender.post([1, 2]).status == 400  # authenticated: 400


# --- 2. bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [[1, 2], [], "message", 5, None, b"{{", b"\xff\xfe", {}],
    ids=["array", "empty array", "string", "number", "null", "not JSON", "not UTF-8", "empty"],
)
def test_a_body_that_is_not_an_activity_is_refused_with_400(start_teams, caplog, body) -> None:
    app = start_teams()
    assert app.sender.post(body).status == 400
    assert not errors_logged(caplog)


@pytest.mark.parametrize(
    "changes",
    [
        {"text": 5},
        {"text": ["a"]},
        {"type": 3},
        {"conversation": "a:1"},
        {"conversation": {"id": 7}},
        {"from": "Marie"},
        {"entities": [1]},
        {"entities": {"type": "mention"}},
        {"recipient": []},
        {"serviceUrl": None},
        {"serviceUrl": "pas-une-adresse"},
        {"serviceUrl": 5},
        {"channelId": None},
        {"conversation": None},
    ],
    ids=lambda changes: json.dumps(changes),
)
def test_fields_of_the_wrong_type_are_refused_with_400(start_teams, caplog, changes) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    sent = app.sender.post(a_message(app, chat) | changes)
    assert sent.status == 400
    app.standin.quiet()
    assert not app.standin.received and not app.assistant.calls
    assert not errors_logged(caplog)


def test_a_mention_of_the_bot_without_text_or_name_is_refused_with_400(
    start_teams, caplog
) -> None:
    """The SDK strips the bot's mention by its text, else by `<at>name</at>`; with neither it
    failed inside the turn (found by the 1,000-example fuzz run)."""
    app = start_teams()
    message = a_message(app, new_personal_chat_id())
    bot = message["recipient"]["id"]
    sent = app.sender.post(message | {"entities": [{"type": "mention", "mentioned": {"id": bot}}]})
    assert sent.status == 400
    app.standin.quiet()
    assert not app.standin.received and not app.assistant.calls
    assert not errors_logged(caplog)


@pytest.mark.parametrize(
    "missing", ["from", "serviceUrl", "conversation", "type", "channelId", "recipient"]
)
def test_an_activity_missing_a_field_teams_always_sends(start_teams, caplog, missing) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    activity = {k: v for k, v in a_message(app, chat).items() if k != missing}
    sent = app.sender.post(activity)
    # Without a sender there is nobody to answer: acknowledged, ignored, logged as a warning.
    assert sent.status == (202 if missing == "from" else 400)
    app.standin.quiet()
    assert not app.standin.received and not app.assistant.calls
    assert not errors_logged(caplog)
    if missing == "from":
        assert any(
            r.levelno == logging.WARNING and "without a sender" in r.getMessage() and not r.exc_info
            for r in caplog.records
        )


def test_a_sender_without_an_id_is_ignored_too(start_teams, caplog) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    assert app.sender.post(a_message(app, chat) | {"from": {"name": "Marie"}}).status == 202
    app.standin.quiet()
    assert not app.standin.received and not errors_logged(caplog)


@pytest.mark.parametrize(
    "channel_data",
    [[1], "x", 5, {"channel": "C1", "team": [1], "tenant": "t"}, {"tenant": {"id": 5}}],
)
def test_channel_data_of_any_shape_does_not_stop_the_answer(
    start_teams, caplog, channel_data
) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    assert app.sender.post(a_message(app, chat) | {"channelData": channel_data}).status == 202
    (reply,) = app.standin.wait_messages(chat)
    assert CONSORTIUM in reply.text
    assert not errors_logged(caplog)


def test_lone_surrogates_are_read_as_replacement_characters(start_teams, caplog) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    activity = a_message(app, chat, MAURICIE + " \ud800")
    activity["from"]["name"] = "Marie \udfff"
    assert app.sender.post(activity).status == 202
    (reply,) = app.standin.wait_messages(chat)
    assert CONSORTIUM in reply.text
    assert app.assistant.calls[-1]["question"].endswith("\ufffd")
    assert not errors_logged(caplog)


@pytest.mark.parametrize(
    "value",
    [
        {kit.ACTION_KEY: kit.ACTION_FEEDBACK, "vote": {"x": 1}, "answer_id": [1]},
        {kit.ACTION_KEY: kit.ACTION_FEEDBACK, "vote": "up", "answer_id": "f" * 32},
        {kit.ACTION_KEY: kit.ACTION_FEEDBACK, "vote": "sideways", "answer_id": None},
    ],
)
def test_a_forged_feedback_card_gets_a_sentence(start_teams, caplog, value) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    app.sender.personal_message(chat, "", value=value)
    (reply,) = app.standin.wait_messages(chat)
    assert reply.activity["text"] == kit.FEEDBACK_FAILED
    assert "erreur interne" not in reply.text
    assert not errors_logged(caplog)


def test_a_card_action_whose_data_cannot_be_read_gets_a_sentence(
    start_teams, caplog, monkeypatch
) -> None:
    def needs_a_region(data: dict[str, Any]) -> str:
        return f"config région {data['region'].strip()}"

    monkeypatch.setitem(kit.CARD_ACTIONS, "test_form", needs_a_region)
    app = start_teams()
    chat = new_personal_chat_id()
    app.sender.personal_message(chat, "", value={kit.ACTION_KEY: "test_form", "region": 5})
    (reply,) = app.standin.wait_messages(chat)
    assert reply.activity["text"] == CARD_UNREADABLE_TEXT
    assert not errors_logged(caplog)


# --- 3. fuzzing ---------------------------------------------------------------------------
#
# Activities that are mostly what Teams sends: each field sometimes anything (JUNK) and
# sometimes absent (the ones every activity carries, more rarely), so that a good part of
# them reach the handlers and the rest exercise the refusals.

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12).filter(lambda text: "://" not in text),  # never a web address
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
SIXTEENTHS = st.sampled_from(range(16))  # uniform (hypothesis's integers favour the bounds)
_PRESENT = {"often": lambda n: n < 15, "usual": lambda n: n < 14, "rare": lambda n: n >= 14}


def field(realistic: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """What Teams sends, or (one time in sixteen) anything at all."""
    return SIXTEENTHS.flatmap(lambda n: JUNK if n == 15 else realistic)


def objects(
    fields: dict[str, st.SearchStrategy[Any]],
    rare: dict[str, st.SearchStrategy[Any]] | None = None,
    often: dict[str, st.SearchStrategy[Any]] | None = None,
    **constant: Any,
) -> Any:
    """Objects with `constant` fields, `often` fields (each present fifteen times in
    sixteen), `fields` (seven times in eight) and `rare` fields (one time in eight)."""
    groups = {"often": often or {}, "usual": fields, "rare": rare or {}}
    drawn = st.fixed_dictionaries(
        {
            (group, name): st.tuples(SIXTEENTHS, value)
            for group, members in groups.items()
            for name, value in members.items()
        }
    )
    return drawn.map(
        lambda values: (
            constant
            | {name: value for (group, name), (n, value) in values.items() if _PRESENT[group](n)}
        )
    )


TEXTS = st.one_of(
    st.sampled_from(
        [MAURICIE, f"<at>{BOT_NAME}</at> {MAURICIE}", "aide", "projet liste", "et en Estrie ?"]
    ),
    st.lists(
        st.one_of(st.text(max_size=12), st.sampled_from(["\ud800", "<at>x</at>", "&amp;"])),
        max_size=3,
    ).map(" ".join),
)
PEOPLE = objects(
    {"name": field(st.text(max_size=8))},
    often={
        "id": field(st.sampled_from(["29:1marie", "29:1pierre", BOT_ID])),
        "aadObjectId": field(st.sampled_from([USER_AAD, OTHER_AAD, ADMIN_AAD])),
    },
)
BOT = objects({"name": field(st.just(BOT_NAME))}, often={"id": field(st.just(BOT_ID))})
THREADS = st.builds(
    lambda channel, message: f"{channel};messageid={message}",
    st.builds(new_channel_id),
    st.builds(new_message_id),
)
CONVERSATIONS = st.one_of(
    objects(
        {"tenantId": field(st.just(TENANT_ID))},
        often={
            "id": field(st.builds(new_personal_chat_id)),
            "conversationType": field(st.just("personal")),
        },
    ),
    objects(
        {"isGroup": field(st.booleans()), "tenantId": field(st.just(TENANT_ID))},
        often={
            "id": field(THREADS),
            "conversationType": field(st.sampled_from(["channel", "groupChat"])),
        },
    ),
)
ENTITIES = st.lists(
    st.one_of(
        objects(
            {"mentioned": field(BOT), "text": field(st.just(f"<at>{BOT_NAME}</at>"))},
            type="mention",
        ),
        objects({"locale": field(st.just("fr-CA"))}, type="clientInfo"),
    ),
    max_size=2,
)
CHANNEL_DATA = objects(
    {
        "channel": field(objects({"id": field(st.builds(new_channel_id))})),
        "team": field(objects({"id": field(st.just(TEAM_ID)), "name": field(st.text(max_size=6))})),
        "tenant": field(objects({"id": field(st.just(TENANT_ID))})),
    }
)
CARD_VALUES = objects(
    {
        "vote": field(st.sampled_from(["up", "down", "x"])),
        "answer_id": field(st.one_of(st.uuids().map(lambda u: u.hex), st.just("nope"))),
        kit.COMMENT_INPUT_ID: field(TEXTS),
        "token": field(st.text(max_size=6)),
        "project_id": field(st.one_of(st.integers(-5, 10**20), st.text(max_size=4))),
        "language": field(st.sampled_from(["fr", "en"])),
        "name": field(TEXTS),
        "region": field(st.sampled_from(["Mauricie", "Estrie", "nulle part"])),
    },
    often={
        kit.ACTION_KEY: field(
            st.sampled_from(
                [
                    kit.ACTION_FEEDBACK,
                    kit.ACTION_FEEDBACK_COMMENT,
                    "project_form",
                    "project_form_cancel",
                    "project_pick",
                    "project_show",
                    "inconnu",
                ]
            )
        ),
    },
)


def activities(standin: TeamsStandIn) -> Any:
    return objects(
        {
            "id": field(st.builds(new_message_id)),
            "text": field(TEXTS),
            "textFormat": field(st.just("plain")),
            "locale": field(st.just("fr-CA")),
            "entities": field(ENTITIES),
            "channelData": field(CHANNEL_DATA),
        },
        rare={
            "value": field(st.one_of(CARD_VALUES, CARD_VALUES, JUNK)),
            "replyToId": field(st.builds(new_message_id)),
            "membersAdded": field(st.lists(st.one_of(PEOPLE, BOT), max_size=2)),
            "membersRemoved": field(st.lists(st.one_of(PEOPLE, BOT), max_size=2)),
            "action": field(st.sampled_from(["add", "remove"])),
        },
        often={
            "type": field(
                st.sampled_from(
                    ["message"] * 5
                    + ["conversationUpdate", "installationUpdate", "invoke", "typing", "event"]
                )
            ),
            "channelId": field(st.just("msteams")),
            "serviceUrl": field(st.just(standin.service_url)),
            "from": field(PEOPLE),
            "recipient": field(BOT),
            "conversation": field(CONVERSATIONS),
        },
    )


def run_fuzz(
    app: Any, caplog: Any, send: Any, strategy: Any, examples: int, allowed: set
) -> Counter:
    """Send fuzzed requests while answers wait behind the gate; open it, stop the server
    (every job finishes) and check what was logged and written. Returns the statuses."""
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def one(request: Any) -> None:
        sent = send(request)
        assert sent.status in allowed, (sent.status, sent.activity, sent.body)
        statuses[sent.status] += 1

    one()
    print(f"fuzzed {sum(statuses.values())} requests: {dict(sorted(statuses.items()))}")
    app.gate.set()
    app.server.stop()  # drains the chat jobs
    assert not errors_logged(caplog), errors_logged(caplog)[:5]
    assert "erreur interne" not in written(app.standin)
    return statuses


@pytest.fixture()
def gated() -> Any:
    gate = threading.Event()
    return gate, FakeAssistant(gate=gate)


@pytest.mark.parametrize("examples", FUZZ_EXAMPLES)
def test_fuzzed_activities_are_acknowledged_or_refused(
    start_teams, gated, caplog, examples: int
) -> None:
    gate, fake = gated
    app = start_teams(fake, extra_environment={"ALLIANCES_EDITORS": ADMIN_AAD})
    app.gate = gate
    chat = new_personal_chat_id()
    assert app.sender.personal_message(chat, MAURICIE)[1].status == 202
    app.standin.wait_for(lambda _s: fake.started)  # its answer waits for the whole run

    def send(activity: Any) -> Any:
        sent = app.sender.post(activity, token=False)
        if sent.status == 501:  # only for an invoke: the protocol's "not handled"
            assert activity.get("type") == "invoke", activity
        return sent

    strategy = st.sampled_from(range(8)).flatmap(
        lambda n: st.one_of(JUNK, st.binary(max_size=30)) if n == 7 else activities(app.standin)
    )
    # 501: an `invoke` nobody handles (the Bot Framework's own answer), never a 500.
    statuses = run_fuzz(app, caplog, send, strategy, examples, {200, 202, 400, 501})
    assert statuses[202] and statuses[400], statuses
    assert CONSORTIUM in app.standin.messages(chat)[0].text  # answered after the gate opened


def fuzzed_token_headers(standin: TeamsStandIn) -> Any:
    return st.one_of(
        objects(
            {
                "alg": field(st.sampled_from(["RS256", "HS256", "none", "ES256", "RS512"])),
                "kid": field(st.sampled_from([standin.kid, "autre-cle"])),
                "typ": field(st.just("JWT")),
                "x5t": field(st.text(max_size=6)),
            }
        ),
        JUNK,
        st.binary(max_size=12),
    )


FUZZED_CLAIMS = st.one_of(
    objects(
        {
            "aud": field(st.sampled_from([APP_ID, "https://api.botframework.com", "autre"])),
            "iss": field(
                st.sampled_from(
                    [
                        "https://api.botframework.com",
                        f"https://sts.windows.net/{TENANT_ID}/",
                        f"https://login.microsoftonline.com/{TENANT_ID}/v2.0",
                    ]
                )
            ),
            "exp": field(st.integers(0, 2**40)),
            "nbf": field(st.integers(0, 2**40)),
            "tid": field(st.just(TENANT_ID)),
            "serviceurl": field(st.just("http://127.0.0.1:9/")),
        }
    ),
    JUNK,
)


@pytest.mark.parametrize("examples", [60, pytest.param(600, marks=pytest.mark.slow, id="600")])
def test_fuzzed_tokens_are_refused_with_401(start_teams, gated, caplog, examples: int) -> None:
    gate, fake = gated
    app = start_teams(fake, auth=True)
    app.gate = gate
    chat = new_personal_chat_id()
    activity = a_message(app, chat)
    strategy = st.one_of(
        st.builds(
            raw_token, fuzzed_token_headers(app.standin), FUZZED_CLAIMS, st.binary(max_size=8)
        ),
        st.text(max_size=30).filter(lambda t: t.isprintable() and t.isascii()),
    )

    def send(token: str) -> Any:
        return app.sender.post(activity, token=token or "x")

    statuses = run_fuzz(app, caplog, send, strategy, examples, {401})
    assert statuses == Counter({401: examples}) or set(statuses) == {401}
    assert not fake.calls and not app.standin.received
