"""The Slack app manifest asks for exactly what the app uses."""

from __future__ import annotations

from importlib import resources

import pytest

from bot.slack import EVENTS_PATH
from bot.slack.listeners import COMMAND, SUBSCRIBED_EVENTS
from bot.slack.project_listeners import PROJECT_COMMAND

yaml = pytest.importorskip("yaml")


@pytest.fixture(scope="module")
def manifest() -> dict:
    text = resources.files("bot").joinpath("manifests/slack-manifest.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def test_events_are_exactly_those_listened_to(manifest: dict) -> None:
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {event.split(".")[0] for event in events} == set(SUBSCRIBED_EVENTS)
    assert {e for e in events if e.startswith("message.")} == {
        "message.channels",
        "message.groups",
        "message.im",
    }


def test_scopes_are_exactly_those_used(manifest: dict) -> None:
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read",  # app_mention
        "assistant:write",  # assistant_thread_* events, suggested prompts, titles
        "channels:history",  # message.channels, conversations.replies
        "groups:history",  # message.groups, conversations.replies
        "im:history",  # message.im, conversations.replies
        "chat:write",  # post, update, ephemeral, streaming, setStatus
        "commands",  # /alliances, /projet
        "files:read",  # files.info, url_private_download: a shared file
        "usergroups:read",  # ALLIANCES_EDITORS naming a Slack user group
    }


def test_command_interactivity_and_urls(manifest: dict) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [command["command"] for command in commands] == [COMMAND, PROJECT_COMMAND]
    urls = [
        *(command["url"] for command in commands),
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
    ]
    assert all(url.startswith("https://") and url.endswith(EVENTS_PATH) for url in urls)
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert 175 <= len(manifest["display_information"]["long_description"]) <= 4000
