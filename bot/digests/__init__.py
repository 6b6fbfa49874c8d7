"""Periodic digests of the projects, posted to the channels that subscribe.

- `schedule`   readable schedules ("lundi 9h", "every monday 9am") and cron → `Schedule`,
               fire times in Québec time; `ScheduleError` explains bad ones in French;
- `content`    `build_digest(project_store, start, end, region=…)` → `Digest` (platform-neutral)
               and `DigestReply`, the chat reply the doors render (bot/slack/digest_blocks.py,
               bot/teams/digest_cards.py); `digest_text` for plain text;
- `store`      `DigestStore`: subscriptions and deliveries, tables in the main SQLite file;
- `delivery`   `DigestDeliverer.deliver(...)`: exactly once per (conversation, period), with
               `SlackPoster` and `TeamsPoster`;
- `scheduler`  `DigestScheduler`: APScheduler jobs (America/Toronto) and the catch-up run;
- `service`    `DigestService`: all of the above for one process, on `SubscriptionService`
               (what any scheduled post shares: the gaps report's service is one too);
- `commands`   `DigestCommands`: `digest abonner|désabonner|maintenant|aide` and the preview;
- `install`    `install_digests(chat, settings, web_app)`: the wiring in `alliances serve`.

User guide: docs/digests.md.
"""
