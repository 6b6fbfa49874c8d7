"""The Slack door: slack-bolt app, listeners, Block Kit rendering, streaming delivery."""

from bot.slack.app import EVENTS_PATH, SlackDoor, build_bolt_app

__all__ = ["EVENTS_PATH", "SlackDoor", "build_bolt_app"]
