"""What the knowledge base does not know: the abstentions and the 👎 of a period, grouped by
theme, for the administrators.

- `durations` `parse_duration("7j")` → timedelta (`7d`, `24h`, `2w`, `2sem`…), `DurationError`;
- `report`    `build_gap_report(state, start, end, encoder=…)` → `GapReport` (themes, counts,
              examples, comments, closest sources, closed gaps), from the `answers` and
              `feedback` tables of the chat state, grouped with the assistant's encoder;
- `render`    `GapReportReply` (the chat reply the doors render: bot/slack/gap_blocks.py,
              bot/teams/gap_cards.py) and the plain-text, CSV and JSON forms;
- `delivery`  `GapReportService`: on-demand reports, and the weekly post through the digest
              scheduler and its exactly-once delivery (`gap_reports.db`);
- `commands`  `GapCommands`: `lacunes [depuis:7j]`, `lacunes abonner|désabonner|aide`;
- `install`   `install_gaps(chat, settings, web_app)`: the wiring in `alliances serve`.

The command line is bot/gap_cli.py (`alliances gaps --since 7d`). User guide: docs/gaps.md.
"""
