"""`alliances projects …`: the project store from the command line.

    alliances projects list [--region R] [--status S] [--format table|csv|json]
    alliances projects show <#id|id|name> [--json]
    alliances projects export --format csv|json [--output FILE]
    alliances projects import FILE.csv [--dry-run] [--no-index]

`import` reads a spreadsheet of existing projects (CSV, comma, semicolon or tab separated,
UTF-8 with or without BOM; headers in French or English, the ones `export` writes), checks
every row (name, region, amounts the French way and within bounds, status, dates), writes
each good row in a transaction of its own (the project and its audit row: nothing is
half-written) and reports each refused row on stderr, one line each, with its line number
and why. Importing the same file again imports nothing twice (each row's idempotency key
is the file's hash and the line). Then, unless `--no-index` or `--dry-run`, the index is
brought in line with the store (`ProjectIndexer.sync`), whether or not this run wrote
anything: running an import again repairs one that was killed before it indexed.

Exit status: 0 when every row was imported (now or before) and indexed, 1 when at least
one row was refused, a write failed or indexing failed, 2 for bad usage (unknown region or
status, unreadable file, unknown columns).
"""

from __future__ import annotations

import argparse
import csv
import getpass
import hashlib
import io
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

USAGE_ERROR = 2
RUNTIME_ERROR = 1

# CSV column → field, in the order `export` writes them.
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id"),
    ("nom", "name"),
    ("région", "region"),
    ("mrc", "mrc"),
    ("mandataire", "mandataire"),
    ("promoteur", "promoter"),
    ("plan", "plan"),
    ("mesure", "measure"),
    ("statut", "status"),
    ("budget", "budget"),
    ("début", "start_date"),
    ("fin", "end_date"),
    ("description", "description"),
    ("créé_le", "created_at"),
    ("créé_par", "created_by"),
)
# Header (folded) → field, for import; export-only columns map to None (ignored).
_HEADER_ALIASES: dict[str, str | None] = {
    "id": None,
    "numero": None,
    "nom": "name",
    "name": "name",
    "projet": "name",
    "project": "name",
    "region": "region",
    "territoire": "region",
    "territory": "region",
    "mrc": "mrc",
    "mandataire": "mandataire",
    "promoteur": "promoter",
    "porteur": "promoter",
    "organisme": "promoter",
    "promoter": "promoter",
    "plan": "plan",
    "mesure": "measure",
    "measure": "measure",
    "statut": "status",
    "status": "status",
    "budget": "budget",
    "debut": "start_date",
    "date de debut": "start_date",
    "start": "start_date",
    "start date": "start_date",
    "fin": "end_date",
    "date de fin": "end_date",
    "end": "end_date",
    "end date": "end_date",
    "description": "description",
    "cree le": None,
    "created at": None,
    "cree par": None,
    "created by": None,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `projects` subcommands, on the parser `alliances projects` gets."""
    actions = parser.add_subparsers(
        dest="projects_command", required=True, parser_class=type(parser)
    )
    listing = actions.add_parser("list", help="lister les projets")
    listing.add_argument("--region", help="une région (ex. Mauricie)")
    listing.add_argument("--status", help="un statut (à venir, en cours, suspendu, terminé…)")
    listing.add_argument("--format", choices=["table", "csv", "json"], default="table")
    show = actions.add_parser("show", help="un projet et ses mises à jour")
    show.add_argument("project", help="#12, 12 ou le nom du projet")
    show.add_argument("--json", action="store_true")
    export = actions.add_parser("export", help="exporter les projets (CSV ou JSON)")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--output", type=Path, help="fichier (défaut : la sortie standard)")
    imports = actions.add_parser("import", help="importer un tableau de projets (CSV)")
    imports.add_argument("file", type=Path)
    imports.add_argument("--dry-run", action="store_true", help="vérifier sans rien écrire")
    imports.add_argument("--no-index", action="store_true", help="ne pas indexer maintenant")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run `alliances projects …`; ValueErrors (bad region, status) reach the caller, which
    prints them as usage errors."""
    from bot.settings import alliances_home
    from knowledge.projects import ProjectStore

    out = out or sys.stdout
    err = err or sys.stderr
    with ProjectStore.open(alliances_home()) as store:
        if args.projects_command == "list":
            return _list(store, args, out)
        if args.projects_command == "show":
            return _show(store, args, out, err)
        if args.projects_command == "export":
            return _export(store, args, out)
        return _import(store, args, out, err)


# --- list, show, export ---------------------------------------------------------------------


def _list(store: Any, args: argparse.Namespace, out: TextIO) -> int:
    from knowledge.projects import parse_status, status_label
    from knowledge.regions import resolve_region, territories_in

    regions = territories_in(resolve_region(args.region)) if args.region else None
    status = parse_status(args.status) if args.status else None
    projects = store.projects(region=regions, status=status)
    if args.format == "csv":
        _write_csv(store, projects, out)
    elif args.format == "json":
        json.dump(
            [_project_json(store, p, updates=False) for p in projects], out, ensure_ascii=False
        )
        out.write("\n")
    else:
        if not projects:
            print("Aucun projet.", file=out)
        for project in projects:
            count, _spent, _last = store.update_summary(project.id)
            print(
                f"{project.reference:>5}  {project.name}  —  {project.region}, "
                f"{status_label(project.status)}, {count} mise(s) à jour",
                file=out,
            )
    return 0


def _find(store: Any, typed: str) -> Any:
    text = typed.strip().lstrip("#").strip()
    if re.fullmatch(r"[0-9]{1,18}", text):
        return store.get(int(text)), []
    matches = store.find(typed)
    if len(matches.exact) == 1:
        return matches.exact[0], []
    return None, matches.exact or matches.close


def _show(store: Any, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from knowledge.projects import format_date, format_money

    project, candidates = _find(store, args.project)
    if project is None:
        if candidates:
            names = ", ".join(f"{p.reference} « {p.name} »" for p in candidates)
            print(f"alliances: plusieurs projets correspondent : {names}.", file=err)
        else:
            print(f"alliances: aucun projet « {args.project} ».", file=err)
        return USAGE_ERROR
    if args.json:
        json.dump(_project_json(store, project, updates=True), out, ensure_ascii=False)
        out.write("\n")
        return 0
    from bot.projects import project_facts, update_facts

    print(f"{project.name} ({project.reference}) — {project.region}", file=out)
    for label, value in project_facts(project):
        print(f"  {label} : {value}", file=out)
    count, spent, _last = store.update_summary(project.id)
    if spent is not None:
        print(f"  Dépensé (cumul des mises à jour) : {format_money(spent)}", file=out)
    if project.description:
        print(f"  {project.description}", file=out)
    print(f"Mises à jour ({count}) :", file=out)
    for update in store.updates(project.id):
        print(
            f"  {format_date(update.local_date)}, {update.author_display} : {update.text}", file=out
        )
        for line in update_facts(update):
            print(f"      {line}", file=out)
    return 0


def _project_json(store: Any, project: Any, *, updates: bool) -> dict[str, Any]:
    from knowledge.projects import cents_to_decimal

    data = project.to_dict()
    budget = cents_to_decimal(project.budget_cents)
    data["budget"] = None if budget is None else float(budget)
    if updates:
        data["updates"] = [
            {
                **update.to_dict(),
                "amount_spent": (
                    None
                    if update.amount_spent_cents is None
                    else float(cents_to_decimal(update.amount_spent_cents) or 0)
                ),
            }
            for update in reversed(store.updates(project.id))
        ]
    return data


def _write_csv(store: Any, projects: Sequence[Any], out: TextIO) -> None:
    from knowledge.projects import format_money

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column for column, _ in CSV_COLUMNS])
    for project in projects:
        row = []
        for _column, name in CSV_COLUMNS:
            if name == "budget":
                value = (
                    format_money(project.budget_cents) if project.budget_cents is not None else ""
                )
            else:
                value = getattr(project, name)
            row.append("" if value is None else str(value).replace("\u00a0", " "))
        writer.writerow(row)


def _export(store: Any, args: argparse.Namespace, out: TextIO) -> int:
    import time

    from knowledge.projects import iso_utc

    projects = store.projects()
    buffer = io.StringIO()
    if args.format == "csv":
        _write_csv(store, sorted(projects, key=lambda p: p.id), buffer)
    else:
        payload = {
            "exported_at": iso_utc(time.time()),
            "schema_version": store.schema_version(),
            "projects": [
                _project_json(store, p, updates=True) for p in sorted(projects, key=lambda p: p.id)
            ],
        }
        json.dump(payload, buffer, ensure_ascii=False, indent=2)
        buffer.write("\n")
    if args.output:
        # utf-8-sig: spreadsheet programs then read the accents right.
        encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
        args.output.write_text(buffer.getvalue(), encoding=encoding)
        print(f"{len(projects)} projet(s) exporté(s) dans {args.output}.", file=sys.stderr)
    else:
        out.write(buffer.getvalue())
    return 0


# --- import ---------------------------------------------------------------------------------


class CsvError(ValueError):
    """The file cannot be read as a table of projects (a usage error)."""


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, field → value) for each non-empty row of the CSV file."""
    from knowledge.folding import fold_key

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise CsvError(f"Fichier illisible : {path} ({error.strerror}).") from None
    except UnicodeDecodeError:
        raise CsvError(
            f"{path} n'est pas en UTF-8 : enregistrez-le en « CSV UTF-8 » depuis le tableur."
        ) from None
    if not text.strip():
        raise CsvError(f"{path} est vide.")
    # The header line says the separator (spreadsheets in French write ";").
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers = next(reader)
    fields: list[str | None] = []
    unknown = []
    for header in headers:
        key = fold_key(header).replace("_", " ")
        if key not in _HEADER_ALIASES:
            unknown.append(header)
        fields.append(_HEADER_ALIASES.get(key))
    if unknown:
        accepted = ", ".join(column for column, _ in CSV_COLUMNS)
        raise CsvError(
            f"Colonne(s) inconnue(s) dans {path} : {', '.join(unknown)}. Colonnes reconnues : "
            f"{accepted} (ou leurs noms anglais : name, region, promoter, measure, status, "
            "start, end)."
        )
    if "name" not in fields or "region" not in fields:
        raise CsvError(f"{path} doit avoir au moins les colonnes « nom » et « région ».")
    rows = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        values = {
            name: cell for name, cell in zip(fields, record, strict=False) if name is not None
        }
        rows.append((reader.line_num, values))
    return rows


def _import(store: Any, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Check every line, write each good one in its own transaction, report each bad one on
    stderr, then bring the index in line with the store (even when nothing was new: a run
    killed before it indexed is repaired by running it again)."""
    from bot.terminal import PLATFORM, cli_user
    from knowledge.crash_points import crash_point
    from knowledge.projects import Actor

    try:
        rows = read_rows(args.file)
    except CsvError as error:
        print(f"alliances: {error}", file=err)
        return USAGE_ERROR
    digest = hashlib.sha256(args.file.read_bytes()).hexdigest()[:16]
    user = getpass.getuser()
    importer = _Importer(store, Actor(cli_user(user), user, PLATFORM), digest, args.dry_run)
    try:
        for line, values in rows:
            importer.take(line, values)
    finally:
        # Even when a write fails midway (disk full…), say what was done and refused: the
        # lines before it stay written, and running the file again goes on from there.
        _report(importer, args.dry_run, out, err)
    crash_point("after-import-commit")  # test hook: every line committed, none indexed
    status = RUNTIME_ERROR if importer.refused else 0
    if not args.dry_run and not args.no_index:
        status = max(status, _index(store, out, err))
    return status


class _Importer:
    """Takes a sheet's lines one by one: a good line is written at once, in a transaction
    of its own (its project and its audit row); a bad one is kept with its reasons."""

    def __init__(self, store: Any, actor: Any, digest: str, dry_run: bool) -> None:
        self.store = store
        self.actor = actor
        self.digest = digest
        self.dry_run = dry_run
        self.accepted: list[int] = []  # line numbers written (or that would be)
        self.written: list[Any] = []  # their WriteResults
        self.already = 0
        self.refused: list[tuple[int, str, list[str]]] = []  # (line, name, reasons)
        self._seen: dict[tuple[str, str], int] = {}  # (name key, region) → line

    def take(self, line: int, values: dict[str, str]) -> None:
        from knowledge.projects import DuplicateProjectError, name_key, validate_project

        label = (values.get("name") or "").strip()
        draft, errors = validate_project(values)
        if draft is None:
            self.refused.append((line, label, [error.message for error in errors]))
            return
        request_key = f"import:{self.digest}:{line}"
        if self.store.result_for_request(request_key) is not None:
            self.already += 1
            return
        key = (name_key(draft.name), draft.region)
        if key in self._seen:
            reason = f"doublon de la ligne {self._seen[key]} (même nom, même région)"
            self.refused.append((line, label, [reason]))
            return
        self._seen[key] = line
        existing = self.store.find_same_name(draft.name, draft.region)
        if existing is not None:
            reason = f"un projet porte déjà ce nom en {draft.region} : {existing.reference}"
            self.refused.append((line, label, [reason]))
            return
        if not self.dry_run:
            try:
                result = self.store.import_project(draft, self.actor, request_key=request_key)
            except DuplicateProjectError as error:  # created meanwhile by someone else
                self.refused.append((line, label, [error.message]))
                return
            self.written.append(result)
        self.accepted.append(line)


def _report(importer: _Importer, dry_run: bool, out: TextIO, err: TextIO) -> None:
    """The summary on stdout; each refused line on stderr, one line each."""
    verb = "seraient importé(s)" if dry_run else "importé(s)"
    summary = f"{len(importer.accepted)} projet(s) {verb}"
    if importer.written:
        summary += f" ({', '.join(result.project.reference for result in importer.written)})"
    summary += f", {len(importer.refused)} ligne(s) refusée(s)"
    if importer.already:
        summary += f", {importer.already} déjà importée(s) auparavant"
    print(summary + ".", file=out)
    for line, label, reasons in importer.refused:
        name = f" (« {label} »)" if label else ""
        text = f"Ligne {line}{name} : {' ; '.join(reasons)}"
        print(" ".join(text.split()), file=err)  # one line, whatever the cells hold


def _index(store: Any, out: TextIO, err: TextIO) -> int:
    """Bring the index in line with the store (the shipped knowledge base first if needed):
    what this run wrote, and whatever an earlier run wrote but could not index."""
    try:
        from bot.assistant import Assistant
        from retrieval.project_index import ProjectIndexer

        assistant = Assistant.from_environment()
        assistant.ensure_ready()
        report = ProjectIndexer(assistant.index).sync(store)
    except Exception as error:
        print(
            f"alliances: l'indexation a échoué ({error}) ; relancez l'import (rien ne sera "
            "importé deux fois) ou `alliances serve`, qui indexe ce qui manque au démarrage.",
            file=err,
        )
        return RUNTIME_ERROR
    print(report.summary(), file=out)
    return 0
