"""Hostile or malformed requests to the Slack door (`POST /slack/events`), over real HTTP.

What must hold, whatever arrives:
- unsigned, badly signed or oddly stamped (timestamp `abc`, empty, `1e309`…): 401;
- signed but of a shape Slack never sends: 400, or 200 and nothing happens; never a 5xx,
  never the three-second wait Bolt makes when a listener fails after acknowledging;
- what a person controls (the text of a message, a button's value) is answered with a short
  French sentence, never with « erreur interne »;
- nothing is logged at ERROR for any of it (the logs stay for real failures).

The server is `bot.server.create_app` in this process against the Slack Web API stand-in, with
a fake assistant whose answers wait behind a gate: while the gate is closed every HTTP answer
has already come back, so each request was acknowledged before its work was done.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import urllib.parse
from collections import Counter
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from standins.servers import (
    ADMIN,
    OTHER_USER,
    USER,
    FakeAssistant,
    message_text,
    new_channel,
    wait_answers,
)
from standins.slack_api import (
    BOT_USER_ID,
    SIGNING_SECRET,
    TEAM_ID,
    SlackStandIn,
    slack_json,
    slack_signature,
)

from bot.slack import blocks as kit
from bot.slack.guard import BUTTON_REFUSED_TEXT
from bot.slack.listeners import FEEDBACK_UNKNOWN_TEXT, UNREADABLE_TEXT
from bot.slack.project_blocks import ACTION_PICK, ACTION_SHOW, VIEW_NEW_PROJECT

pytest_plugins = ["slack_fixtures"]

MAURICIE = "Qui est le mandataire en Mauricie ?"
CONSORTIUM = "Consortium en développement social de la Mauricie"
FORM = "application/x-www-form-urlencoded"
FUZZ_EXAMPLES = [100, pytest.param(1000, marks=pytest.mark.slow, id="1000")]


# --- helpers ------------------------------------------------------------------------------


def form(fields: dict[str, str]) -> str:
    """A form body; lone surrogates become the bytes a careless client would send."""
    return urllib.parse.urlencode(fields, encoding="utf-8", errors="surrogatepass")


def payload_form(payload: Any) -> str:
    return urllib.parse.urlencode({"payload": slack_json(payload)})


def command_fields(standin: SlackStandIn, text: str, **changes: Any) -> dict[str, str]:
    fields = {
        "command": "/alliances",
        "text": text,
        "user_id": USER,
        "channel_id": new_channel(),
        "channel_name": "general",
        "team_id": TEAM_ID,
        "trigger_id": f"{time.time()}.cmd",
        "response_url": standin.new_response_url(),
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """ERROR records, but asyncio's notice that the garbage collector destroyed a pending task
    (an earlier test's stopped event loop, e.g. its Socket Mode client, collected now)."""
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR
        and not (record.name == "asyncio" and "destroyed but it is pending" in record.getMessage())
    ]


def missed_acknowledgements(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Bolt's warning when a listener did not acknowledge within three seconds."""
    return [r.getMessage() for r in caplog.records if "didn't call ack()" in r.getMessage()]


class Seen:
    """What people read from the bot since it was created: every message written, updated,
    streamed or posted to a response_url."""

    METHODS: ClassVar[set[str]] = {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.startStream",
        "chat.appendStream",
        "chat.stopStream",
        "views.open",
    }

    def __init__(self, standin: SlackStandIn):
        self.standin = standin
        self.calls = len(standin.calls)
        self.posts = len(standin.response_posts)

    def text(self) -> str:
        calls = [c.args for c in self.standin.calls[self.calls :] if c.method in self.METHODS]
        posts = [p.body for p in self.standin.response_posts[self.posts :]]
        return json.dumps(calls + posts, ensure_ascii=False)


def response_posts_to(standin: SlackStandIn, url: str) -> list[dict[str, Any]]:
    posts = standin.wait_for(lambda s: [p.body for p in s.response_posts if p.url == url])
    return posts


# --- 1. signatures and timestamps ---------------------------------------------------------


@pytest.mark.parametrize("stamp", ["abc", "", "1e309", "1_700_000_000", "+1700000000", "0x65"])
def test_a_timestamp_that_is_not_plain_seconds_is_refused_with_401(
    start_server, caplog, stamp: str
) -> None:
    app = start_server()
    channel = new_channel()
    body = slack_json(
        app.sender.event_body(
            {"type": "app_mention", "user": USER, "text": MAURICIE, "ts": "1.1", "channel": channel}
        )
    )
    # Signed with the right secret over that very timestamp: only the timestamp is wrong.
    sent = app.sender.post(body, "application/json", timestamp=stamp)
    assert sent.status == 401
    assert sent.headers["X-Slack-Signature"] == slack_signature(SIGNING_SECRET, stamp, body)
    app.standin.quiet()
    assert app.standin.bot_messages(channel) == []
    assert not errors_logged(caplog)


def test_unsigned_junk_is_refused_before_it_is_read(start_server, caplog) -> None:
    app = start_server()
    for body in ("[1, 2]", "{{{", b"\xff\xfe", "payload=%7B%7B"):
        assert app.sender.post(body, "application/json", signature="v0=" + "0" * 64).status == 401
    assert app.sender.post("{}", "application/json", signature="v0=é").status == 401
    assert app.sender.post("{}", "application/json", signature="v0=").status == 401
    assert app.sender.post("{}", "application/json", headers={"X-Slack-Signature": ""}).status == (
        401
    )
    assert not errors_logged(caplog)


@settings(max_examples=60, deadline=None)
@given(
    stamp=st.one_of(
        st.text(max_size=12),
        st.integers(-(10**30), 10**30).map(str),
        st.floats(allow_nan=True).map(str),
        st.integers(0, 600).map(lambda age: str(int(time.time()) - 301 - age)),
    ),
    signature=st.one_of(st.none(), st.text(max_size=70), st.just("v0=" + "a" * 64)),
)
def test_fuzzed_stamps_and_signatures_are_refused_with_401(
    slack_standin: SlackStandIn, signed_door: Any, stamp: str, signature: str | None
) -> None:
    sender = signed_door
    body = slack_json(sender.event_body({"type": "app_mention", "text": "x", "channel": "C1"}))
    if stamp.isascii() and stamp.isdigit() and abs(time.time() - int(stamp)) <= 300:
        stamp = "x" + stamp  # a fresh plain timestamp is not what this test is about
    try:
        stamp.encode("latin-1")
        (signature or "").encode("latin-1")
    except UnicodeEncodeError:
        return  # HTTP headers cannot carry it
    if not (stamp + (signature or "")).isprintable() or stamp.strip() != stamp:
        return  # not an HTTP header value (test_a_header_that_is_not_http_is_refused)
    sent = sender.post(body, "application/json", timestamp=stamp, signature=signature)
    assert sent.status == 401


def test_a_header_that_is_not_http_is_refused_without_a_traceback(signed_door, caplog) -> None:
    sent = signed_door.post("{}", "application/json", signature="v0=\x1f")
    assert sent.status == 400  # aiohttp's own answer: the request is not HTTP
    assert not errors_logged(caplog)
    assert any("malformed HTTP" in record.getMessage() for record in caplog.records)


@pytest.fixture(scope="module")
def signed_door(slack_standin: SlackStandIn, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One server for the signature fuzzing (nothing it receives is ever processed)."""
    from standins.servers import InProcessServer, server_environment, wait_until_ready
    from standins.slack_api import SlackSender

    from bot.server import create_app
    from bot.settings import load_settings

    home = tmp_path_factory.mktemp("signed-door") / "home"
    web_app = create_app(
        load_settings(server_environment(slack_standin, home)),
        assistant_factory=FakeAssistant,
    )
    server = InProcessServer(web_app).start()
    wait_until_ready(server.url, 30)
    yield SlackSender(server.events_url, slack_standin)
    server.stop()


# --- 2. the examples the outside probe found ----------------------------------------------


@pytest.mark.parametrize("event", [[1, 2], "app_mention", 5, None, {"user": USER}, {"type": 3}])
def test_an_event_that_is_not_an_event_object_is_refused_with_400(
    start_server, caplog, event: Any
) -> None:
    app = start_server()
    sent = app.sender.post(slack_json(app.sender.event_body(event)), "application/json")
    assert sent.status == 400
    assert not errors_logged(caplog)


@pytest.mark.parametrize("missing", ["user_id", "channel_id", "trigger_id", "response_url"])
def test_a_slash_command_without_its_ids_is_refused_at_once(start_server, caplog, missing) -> None:
    app = start_server()
    fields = command_fields(app.standin, "aide", **{missing: None})
    sent = app.sender.post(form(fields), FORM)
    # Before: the listener acknowledged, failed on command["user_id"], and Bolt waited three
    # seconds before answering 404.
    assert sent.status == 400
    assert not missed_acknowledgements(caplog) and not errors_logged(caplog)
    sent, url = app.sender.command("aide", user=USER, channel=new_channel())
    assert sent.status == 200 and "/alliances config" in message_text(
        response_posts_to(app.standin, url)[0]
    )


JUNK_STATES = ["junk", [1], {"values": "x"}, {"values": {"c": [1]}}, {"values": {"c": {"c": 5}}}]


@pytest.mark.parametrize("state", JUNK_STATES)
def test_a_modal_with_junk_state_is_refused_with_400(start_server, caplog, state: Any) -> None:
    app = start_server()
    view = {"id": "V1", "type": "modal", "callback_id": kit.VIEW_FEEDBACK_COMMENT, "state": state}
    payload = {"type": "view_submission", "user": {"id": USER}, "trigger_id": "t", "view": view}
    assert app.sender.post(payload_form(payload), FORM).status == 400
    assert not errors_logged(caplog)


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        (ACTION_PICK, "pas-de-deux-points"),
        (ACTION_PICK, "jeton:douze"),
        (ACTION_PICK, "jeton:99999999999999999999999999"),
        (ACTION_SHOW, "12:xx"),
        (ACTION_SHOW, "abc"),
        (ACTION_SHOW, {"id": 12}),
        (kit.ACTION_FEEDBACK_UP, 5),
        (kit.ACTION_SHARE, ["a"]),
    ],
)
def test_a_forged_button_value_gets_a_sentence(start_server, caplog, action_id, value) -> None:
    app = start_server()
    channel = new_channel()
    seen = Seen(app.standin)
    button = {"action_id": action_id, "value": value, "block_id": "b"}
    sent, url = app.sender.click(button, user=USER, channel=channel, message={"ts": "1.1"})
    assert sent.status == 200
    (post,) = response_posts_to(app.standin, url)
    assert post["text"] == BUTTON_REFUSED_TEXT and post["response_type"] == "ephemeral"
    app.standin.quiet()
    assert "erreur interne" not in seen.text()
    assert not errors_logged(caplog) and not missed_acknowledgements(caplog)


@pytest.mark.parametrize("action_id", [kit.ACTION_FEEDBACK_UP, kit.ACTION_FEEDBACK_DOWN])
def test_a_vote_on_an_unknown_answer_says_so_without_erreur_interne(
    start_server, action_id: str
) -> None:
    app = start_server()
    button = {"action_id": action_id, "value": "f" * 32, "block_id": "b"}
    _, url = app.sender.click(button, user=USER, channel=new_channel(), message={"ts": "1.1"})
    (post,) = response_posts_to(app.standin, url)
    assert post["text"] == FEEDBACK_UNKNOWN_TEXT
    assert "erreur interne" not in post["text"]


@pytest.mark.parametrize("text", [5, {"a": 1}, ["Mauricie"], True])
def test_a_mention_whose_text_is_not_text_gets_a_sentence(start_server, caplog, text) -> None:
    app = start_server()
    channel = new_channel()
    seen = Seen(app.standin)
    event = {"type": "app_mention", "user": USER, "text": text, "ts": "1700000000.000100"}
    sent = app.sender.event(event | {"channel": channel, "team": TEAM_ID})
    assert sent.status == 200
    (told,) = app.standin.wait_for(
        lambda s: [c for c in s.calls_to("chat.postEphemeral") if c.args["channel"] == channel]
    )
    assert told.args["user"] == USER and told.args["text"] == UNREADABLE_TEXT
    app.standin.quiet()
    assert app.standin.bot_messages(channel) == [] and "erreur interne" not in seen.text()
    assert not errors_logged(caplog)


def test_a_direct_message_whose_text_is_not_text_gets_a_sentence(start_server, caplog) -> None:
    app = start_server()
    channel = new_channel("D")
    event = {"type": "message", "channel_type": "im", "user": USER, "text": {"x": 1}}
    assert app.sender.event(event | {"channel": channel, "ts": "1700000000.000200"}).status == 200
    (message,) = wait_answers(app.standin, channel)
    assert message["text"] == UNREADABLE_TEXT
    assert not errors_logged(caplog)


def test_lone_surrogates_are_read_as_replacement_characters(start_server, caplog) -> None:
    fake = FakeAssistant()
    app = start_server(fake)
    channel = new_channel()
    seen = Seen(app.standin)
    event, sent = app.sender.user_writes(channel, USER, MAURICIE + " \ud800", as_mention=True)
    assert sent.status == 200 and "\\ud800" in sent.body  # escaped, as JSON allows
    (answer,) = wait_answers(app.standin, channel, event["ts"])
    assert CONSORTIUM in answer["text"]
    assert fake.calls[-1]["question"].endswith("\ufffd")
    # in a slash command (form bytes that are not UTF-8) and in a button's value
    sent = app.sender.post(form(command_fields(app.standin, MAURICIE + "\udfff")), FORM)
    assert sent.status == 200
    button = {"action_id": kit.ACTION_FEEDBACK_UP, "value": "\ud800", "block_id": "b"}
    _, url = app.sender.click(button, user=USER, channel=channel, message={"ts": "1.1"})
    assert response_posts_to(app.standin, url)[0]["text"] == FEEDBACK_UNKNOWN_TEXT
    app.standin.quiet()
    assert "erreur interne" not in seen.text()
    assert not errors_logged(caplog)


def test_well_formed_requests_nobody_listens_to_are_acknowledged(start_server, caplog) -> None:
    app = start_server()
    reaction = {"type": "reaction_added", "user": USER, "reaction": "+1", "item": {"ts": "1.1"}}
    assert app.sender.event(reaction).status == 200
    assert app.sender.post(slack_json({"type": "app_rate_limited"}), "application/json").status == (
        200
    )
    button = {"action_id": "un_bouton_inconnu", "value": "x", "block_id": "b"}
    assert app.sender.click(button, user=USER, channel=new_channel())[0].status == 200
    assert not errors_logged(caplog)


def test_a_slash_command_with_the_word_payload_is_answered(start_server) -> None:
    """Bolt reads any form containing "payload" as an interactivity request (and finds none);
    the door parses forms itself."""
    app = start_server()
    sent, url = app.sender.command(
        "Qui est le mandataire en Mauricie (payload) ?", user=USER, channel=new_channel()
    )
    assert sent.status == 200
    assert CONSORTIUM in message_text(response_posts_to(app.standin, url)[0])


# --- 3. the guard around every listener ---------------------------------------------------


def test_every_listener_of_the_app_is_guarded(start_server) -> None:
    from bot.server import SLACK_DOOR

    app = start_server()
    bolt = app.server.web_app[SLACK_DOOR].app
    listeners = bolt._async_listeners  # Bolt's registry: a Bolt upgrade that bypasses the
    assert len(listeners) >= 12  # guard's registration funnel fails here
    assert all(hasattr(listener.ack_function, "guarded_listener") for listener in listeners)


def test_a_listener_failing_after_its_ack_still_answers_at_once(caplog) -> None:
    from slack_bolt.authorization import AuthorizeResult
    from slack_bolt.request.async_request import AsyncBoltRequest
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.slack.app import GuardedAsyncApp

    async def authorize(**_kwargs: Any) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=None, team_id=TEAM_ID, bot_token="xoxb-unused")

    bolt = GuardedAsyncApp(
        client=AsyncWebClient(base_url="http://127.0.0.1:9/"),
        authorize=authorize,
        request_verification_enabled=False,
    )
    reached = threading.Event()

    @bolt.command("/panne")
    async def failing(ack: Any, command: dict) -> None:
        await ack()
        reached.set()
        raise KeyError(command["absent"])

    fields = {"command": "/panne", "user_id": USER, "channel_id": "C1", "trigger_id": "t"}
    fields["response_url"] = "http://127.0.0.1:9/response"
    request = AsyncBoltRequest(body=urllib.parse.urlencode(fields), headers={"content-type": FORM})
    response = asyncio.run(bolt.async_dispatch(request))
    assert reached.is_set() and response.status == 200
    assert not missed_acknowledgements(caplog)  # Bolt would have waited 3 s for an ack
    assert any("failing" in r.getMessage() and r.exc_info for r in caplog.records)


# --- 4. fuzzing ---------------------------------------------------------------------------
#
# The strategies draw requests that are mostly what Slack sends, each field sometimes replaced
# by anything (JUNK) and sometimes left out, so that a good part of them reach the listeners
# and the rest exercise the refusals.

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12).filter(lambda text: "://" not in text),  # never a web address
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
TEXT_PIECES = st.one_of(
    st.text(max_size=15),
    st.sampled_from(
        [
            "\ud800",
            "\udfff",
            f"<@{BOT_USER_ID}>",
            "<@U0PIERRE1>",
            "&amp;",
            MAURICIE,
            "aide",
            "config région Mauricie",
            "projet liste",
            "projet nouveau",
            "projet voir #1",
            "payload",
        ]
    ),
)
TEXTS = st.lists(TEXT_PIECES, max_size=4).map(" ".join)
QUESTIONS = st.one_of(
    st.sampled_from([MAURICIE, f"<@{BOT_USER_ID}> {MAURICIE}", "et en Estrie ?", "aide"]), TEXTS
)
USERS = st.sampled_from([USER, OTHER_USER, ADMIN, BOT_USER_ID])
CHANNELS = st.one_of(st.builds(new_channel), st.builds(new_channel, st.just("D")))
TIMESTAMPS = st.one_of(
    st.sampled_from(["1700000000.000100", "1700000001.000200", "1.1"]),
    st.from_regex(r"1[0-9]{9}\.[0-9]{6}", fullmatch=True),
)
_ids = iter(range(1, 10**9))


def unique(prefix: str) -> str:
    return f"{prefix}{next(_ids):08d}{int(time.time())}"


EIGHTHS = st.sampled_from(range(8))  # uniform (hypothesis's integers favour the bounds)


def mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> Any:
    """`usual` seven times in eight, `odd` otherwise (shrinking goes towards `usual`)."""
    return EIGHTHS.flatmap(lambda n: odd if n == 7 else usual)


def field(realistic: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """What Slack sends, or (one time in sixteen) anything at all."""
    return st.sampled_from(range(16)).flatmap(lambda n: JUNK if n == 15 else realistic)


def objects(
    fields: dict[str, st.SearchStrategy[Any]],
    rare: dict[str, st.SearchStrategy[Any]] | None = None,
    **constant: Any,
) -> Any:
    """Objects with `constant` fields, `fields` (each present seven times in eight) and
    `rare` fields (each present one time in eight)."""
    drawn = st.fixed_dictionaries(
        {name: st.tuples(EIGHTHS, value) for name, value in fields.items()}
        | {f"rare:{name}": st.tuples(EIGHTHS, value) for name, value in (rare or {}).items()}
    )
    return drawn.map(
        lambda values: (
            constant
            | {
                name.removeprefix("rare:"): value
                for name, (n, value) in values.items()
                if (n == 7 if name.startswith("rare:") else n < 7)
            }
        )
    )


EVENTS = objects(
    {
        "type": field(
            st.sampled_from(
                [
                    "app_mention",
                    "message",
                    "message",
                    "assistant_thread_started",
                    "assistant_thread_context_changed",
                    "reaction_added",
                ]
            )
        ),
        "user": field(USERS),
        "text": field(QUESTIONS),
        "ts": field(TIMESTAMPS),
        "channel": field(CHANNELS),
        "channel_type": field(st.sampled_from(["channel", "im", "im", "group"])),
        "team": field(st.just(TEAM_ID)),
        "assistant_thread": field(
            objects(
                {
                    "channel_id": field(CHANNELS),
                    "thread_ts": field(TIMESTAMPS),
                    "user_id": field(USERS),
                }
            )
        ),
    },
    rare={
        "thread_ts": field(TIMESTAMPS),
        "bot_id": field(st.just("B0OTHER")),
        "subtype": field(st.sampled_from(["file_share", "message_changed", "bot_message"])),
        "message": field(objects({"user": field(USERS), "text": field(TEXTS)})),
    },
)
EVENT_BODIES = objects(
    {
        "type": mostly(
            st.just("event_callback"),
            st.one_of(st.sampled_from(["url_verification", "app_rate_limited"]), JUNK),
        ),
        "event": field(EVENTS),
        "event_id": field(st.builds(unique, st.just("Ev"))),
        "team_id": field(st.just(TEAM_ID)),
        "token": field(st.just("t")),
        "authorizations": field(
            st.lists(
                objects(
                    {
                        "team_id": field(st.just(TEAM_ID)),
                        "user_id": field(st.just(BOT_USER_ID)),
                        "is_enterprise_install": field(st.booleans()),
                    }
                ),
                max_size=2,
            )
        ),
        "is_ext_shared_channel": field(st.booleans()),
        "challenge": field(st.text(max_size=8)),
    }
)


def command_forms(standin: SlackStandIn) -> Any:
    """Slash commands as Slack posts them: a form, so every value is text."""
    odd_text = st.text(max_size=4)
    return objects(
        {
            "command": mostly(st.sampled_from(["/alliances", "/projet"]), odd_text),
            "text": TEXTS,
            "user_id": mostly(USERS, odd_text),
            "channel_id": mostly(CHANNELS, odd_text),
            "trigger_id": mostly(st.builds(unique, st.just("trig")), st.just("")),
            "response_url": mostly(
                st.builds(standin.new_response_url),
                st.sampled_from(["", "nope", "ftp://x/y", "http://", "http://[::1", "http://a:b"]),
            ),
            "team_id": st.just(TEAM_ID),
            "channel_name": st.sampled_from(["general", "directmessage", ""]),
            "user_name": st.text(max_size=6),
        }
    ).flatmap(
        lambda fields: mostly(
            st.just(fields),
            st.text(max_size=6).map(
                lambda junk: fields | {"payload": junk}  # a form that claims to be interactivity
            ),
        )
    )


BUTTON_VALUES = st.one_of(
    st.sampled_from(["nope", "abc:12", "tok:99999999999999999999", "12:fr", "12:xx", "0", ":"]),
    st.sampled_from(["", "\ud800", "a" * 2100, "jeton:1", "1", "1:en"]),
    st.uuids().map(lambda u: u.hex),
    st.text(max_size=20),
)
ACTIONS = objects(
    {
        "action_id": field(
            st.sampled_from(
                [
                    kit.ACTION_FEEDBACK_UP,
                    kit.ACTION_FEEDBACK_DOWN,
                    kit.ACTION_SHARE,
                    ACTION_PICK,
                    ACTION_SHOW,
                    "inconnu",
                ]
            )
        ),
        "value": field(BUTTON_VALUES),
        "block_id": field(st.just("b")),
        "type": field(st.just("button")),
        "action_ts": field(st.just("1.2")),
    }
)
SLACK_USERS = objects({"id": field(USERS), "username": field(st.text(max_size=5))})
INPUTS = objects(
    {
        "type": field(st.sampled_from(["plain_text_input", "static_select", "datepicker"])),
        "value": field(TEXTS),
        "selected_option": field(objects({"value": field(TEXTS)})),
        "selected_date": field(st.just("2024-01-01")),
    }
)
STATES = objects(
    {
        "values": field(
            st.dictionaries(
                st.sampled_from(["comment", "name", "region", "budget", "status"]),
                field(st.dictionaries(st.sampled_from(["comment", "name"]), field(INPUTS))),
                max_size=3,
            )
        )
    }
)


def interactivity_payloads(standin: SlackStandIn) -> Any:
    response_urls = st.builds(standin.new_response_url)
    metadata = st.one_of(
        st.uuids().map(lambda u: u.hex),
        st.text(max_size=10),
        st.sampled_from(["[1]", "{}", "null"]),
        objects(
            {
                "channel": field(CHANNELS),
                "response_url": field(mostly(response_urls, st.just("nope"))),
                "language": field(st.sampled_from(["fr", "en"])),
                "direct": field(st.booleans()),
            }
        ).map(json.dumps),
    )
    views = objects(
        {
            "callback_id": field(
                st.sampled_from([kit.VIEW_FEEDBACK_COMMENT, VIEW_NEW_PROJECT, "autre"])
            ),
            "type": field(st.just("modal")),
            "id": field(st.just("V0001")),
            "private_metadata": field(metadata),
            "state": field(STATES),
        }
    )
    common = {
        "user": field(SLACK_USERS),
        "team": field(objects({"id": field(st.just(TEAM_ID))})),
        "trigger_id": field(st.builds(unique, st.just("act"))),
    }
    block_actions = objects(
        common
        | {
            "actions": field(st.lists(ACTIONS, min_size=1, max_size=2)),
            "channel": field(objects({"id": field(CHANNELS)})),
            "container": field(
                objects({"channel_id": field(CHANNELS), "message_ts": field(TIMESTAMPS)})
            ),
            "response_url": field(response_urls),
            "message": field(objects({"ts": field(TIMESTAMPS), "text": field(TEXTS)})),
        },
        type="block_actions",
    )
    view_submissions = objects(common | {"view": field(views)}, type="view_submission")
    others = objects(
        {
            "type": field(st.sampled_from(["shortcut", "view_closed", "interactive_message"])),
            "callback_id": field(st.text(max_size=5)),
            "actions": JUNK,
            "view": JUNK,
        }
    )
    return mostly(
        st.one_of(block_actions, block_actions, view_submissions), st.one_of(others, JUNK)
    )


def run_fuzz(
    app: Any, caplog: pytest.LogCaptureFixture, send: Any, strategy: Any, examples: int
) -> Counter:
    """Send fuzzed requests while the answers wait behind the gate; then open it, let every
    job finish (the server stops) and check what was logged and shown. Returns the statuses."""
    statuses: Counter[int] = Counter()
    seen = Seen(app.standin)

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def one(request: Any) -> None:
        sent = send(request)
        assert sent.status in (200, 400), (sent.status, sent.body, sent.response_body)
        statuses[sent.status] += 1

    one()
    print(f"fuzzed {sum(statuses.values())} requests: {dict(sorted(statuses.items()))}")
    assert not missed_acknowledgements(caplog)
    app.gate.set()
    app.server.stop()  # drains the chat jobs
    assert not errors_logged(caplog), errors_logged(caplog)[:5]
    shown = seen.text()
    assert "erreur interne" not in shown
    told = {
        name: shown.count(json.dumps(text, ensure_ascii=False)[1:-1])
        for name, text in (
            ("answers", CONSORTIUM),
            ("forged buttons", BUTTON_REFUSED_TEXT),
            ("unknown answers", FEEDBACK_UNKNOWN_TEXT),
            ("unreadable texts", UNREADABLE_TEXT),
        )
    }
    print(f"  people read: {told}")
    return statuses


@pytest.fixture()
def fuzz_app(start_server) -> Any:
    gate = threading.Event()
    fake = FakeAssistant(gate=gate)
    app = start_server(fake, extra_environment={"ALLIANCES_EDITORS": ADMIN})
    app.gate, app.assistant = gate, fake
    return app


@pytest.mark.parametrize("examples", FUZZ_EXAMPLES)
def test_fuzzed_events_are_acknowledged_or_refused(fuzz_app, caplog, examples: int) -> None:
    app = fuzz_app
    sender = app.sender
    channel = new_channel()
    # A well-formed question first: its answer waits behind the gate for the whole run, and
    # every fuzzed request is answered meanwhile.
    _event, sent = sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    assert sent.status == 200
    app.standin.wait_for(lambda _s: app.assistant.started)

    def send(body: Any) -> Any:
        if isinstance(body, bytes):
            return sender.post(body, "application/json")
        return sender.post(slack_json(body), "application/json")

    strategy = mostly(EVENT_BODIES, st.one_of(JUNK, st.binary(max_size=30)))
    statuses = run_fuzz(app, caplog, send, strategy, examples)
    assert statuses[200] and statuses[400], statuses
    (answer,) = wait_answers(app.standin, channel)  # the gated answer was given after all
    assert CONSORTIUM in answer["text"]


@pytest.mark.parametrize("examples", FUZZ_EXAMPLES)
def test_fuzzed_slash_commands_are_acknowledged_or_refused(fuzz_app, caplog, examples) -> None:
    app = fuzz_app
    sender = app.sender
    first, url = sender.command(MAURICIE, user=USER, channel=new_channel())
    assert first.status == 200
    app.standin.wait_for(lambda _s: app.assistant.started)  # acknowledged, answer pending

    def send(fields: dict[str, str]) -> Any:
        return sender.post(form(fields), FORM)

    statuses = run_fuzz(app, caplog, send, command_forms(app.standin), examples)
    assert statuses[200] and statuses[400], statuses
    assert CONSORTIUM in message_text(response_posts_to(app.standin, url)[0])


@pytest.mark.parametrize("examples", FUZZ_EXAMPLES)
def test_fuzzed_interactivity_is_acknowledged_or_refused(fuzz_app, caplog, examples) -> None:
    app = fuzz_app
    sender = app.sender

    def send(payload: Any) -> Any:
        return sender.post(payload_form(payload), FORM)

    statuses = run_fuzz(app, caplog, send, interactivity_payloads(app.standin), examples)
    assert statuses[200] and statuses[400], statuses
