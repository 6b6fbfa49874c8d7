"""`alliances projects …` as users run it (a real process), plus the in-process checks that
need the session's encoder: export and import round trip, the report of refused rows,
nothing half-written, indexing after an import."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from knowledge.paths import database_path
from knowledge.projects import Actor, ProjectStore, validate_project, validate_update

ACTOR = Actor("U0MARIE01", "marie.tremblay", "slack", "C1")
PROJECT_COLUMNS = [
    "nom",
    "région",
    "mrc",
    "mandataire",
    "promoteur",
    "plan",
    "mesure",
    "statut",
    "budget",
    "début",
    "fin",
    "description",
]


def run_cli(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALLIANCES_HOME": str(home), "ALLIANCES_CHROMA_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "projects", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def fill(home: Path) -> None:
    """Three projects, one with updates, in a data folder."""
    with ProjectStore(database_path(home)) as store:
        rows = [
            {
                "name": "Les maraîchers du cœur",
                "region": "Mauricie",
                "mrc": "Maskinongé",
                "promoter": "Coopérative de solidarité, volet jeunesse",
                "plan": "PAGIEPS",
                "measure": "11",
                "status": "en cours",
                "budget": "40 000,50 $",
                "start_date": "2025-04-01",
                "end_date": "2025-10-31",
                "description": 'Plateau de travail; "culture" maraîchère\nsur deux lignes',
            },
            {"name": "Lucioles", "region": "Abitibi-Témiscamingue", "budget": "13,7 M$"},
            {"name": "Halte-répit", "region": "CSSSPNQL", "status": "suspendu"},
        ]
        for row in rows:
            draft, errors = validate_project(row)
            assert draft is not None, errors
            store.create_project(draft, ACTOR)
        for text, fields in (
            ("12 jeunes inscrits", {"people_reached": "12"}),
            ("Première récolte", {"amount_spent": "1 250,75 $", "status": "terminé"}),
        ):
            update, errors = validate_update({"text": text, **fields})
            assert update is not None, errors
            store.add_update(1, update, ACTOR)


def project_rows(text: str) -> list[dict[str, str]]:
    return [
        {column: row[column] for column in PROJECT_COLUMNS}
        for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    ]


def test_export_then_import_round_trip(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    fill(source)
    exported = tmp_path / "projets.csv"
    done = run_cli(source, "export", "--format", "csv", "--output", str(exported))
    assert done.returncode == 0, done.stderr
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheets read the accents
    imported = run_cli(target, "import", str(exported), "--no-index")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert imported.stdout.startswith("3 projet(s) importé(s) (#1, #2, #3), 0 ligne(s) refusée(s)")
    again = run_cli(target, "export", "--format", "csv")
    assert again.returncode == 0
    first = project_rows(exported.read_text(encoding="utf-8-sig"))
    assert project_rows(again.stdout) == first
    assert first[0]["budget"] == "40 000,50 $" and first[0]["plan"] == "PAGIEPS"
    assert first[1]["budget"] == "13 700 000 $"

    # Importing the same file again imports nothing twice.
    repeated = run_cli(target, "import", str(exported), "--no-index")
    assert "0 projet(s) importé(s)" in repeated.stdout
    assert "3 déjà importée(s) auparavant" in repeated.stdout
    assert ProjectStore(database_path(target)).count() == 3


def test_json_export_carries_the_updates(tmp_path: Path) -> None:
    fill(tmp_path)
    done = run_cli(tmp_path, "export", "--format", "json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["schema_version"] == 1
    first = payload["projects"][0]
    assert first["name"] == "Les maraîchers du cœur" and first["budget"] == 40000.5
    assert [u["text"] for u in first["updates"]] == ["12 jeunes inscrits", "Première récolte"]
    assert first["updates"][1]["amount_spent"] == 1250.75
    assert first["updates"][1]["status_to"] == "terminé"


BAD_SHEET = """\ufeffNom;Région;Budget;Statut;Promoteur;Début;Fin
Jardins partagés;Mauricie;40 000 $;en cours;Coop;2025-04-01;2025-10-31
Mauvaise région;Mauricy;1 000 $;;;;
Budget négatif;Estrie;-5 $;;;;
;Estrie;;;;;
Statut bizarre;Laval;;presque fini;;;
Montant anglais;Laval;12,500 $;;;;
Jardins partagés;Mauricie;;;;;
Dates à l'envers;Laval;;;;2025-06-01;2025-01-01
Premières Nations;CSSPNQL;;;;;
Popote roulante;Estrie;2,5 k$;à venir;;3 juin 2025;
Budget astronomique;Estrie;10000000000000000000000000000 $;;;;
Budget trop élevé;Estrie;12 G$;;;;
"""


def test_import_reports_each_refused_row_and_why(tmp_path: Path) -> None:
    """Good lines are imported, each bad one is reported on stderr (one line each, with its
    number and why), and the exit status is 1."""
    sheet = tmp_path / "projets.csv"
    sheet.write_text(BAD_SHEET, encoding="utf-8")
    home = tmp_path / "home"
    dry = run_cli(home, "import", str(sheet), "--dry-run")
    assert dry.returncode == 1 and "2 projet(s) seraient importé(s)" in dry.stdout
    assert not database_path(home).exists() or ProjectStore(database_path(home)).count() == 0

    done = run_cli(home, "import", str(sheet), "--no-index")
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["2 projet(s) importé(s) (#1, #2), 10 ligne(s) refusée(s)."]
    report = done.stderr.splitlines()
    assert len(report) == 10 and all(line.startswith("Ligne ") for line in report), report
    for expected in (
        "Ligne 3 (« Mauvaise région ») : Région inconnue : « Mauricy ». Vouliez-vous dire : "
        "Mauricie ?",
        "Ligne 4 (« Budget négatif ») : Montant négatif (budget)",
        "Ligne 5 : Le nom du projet est vide.",
        "Ligne 6 (« Statut bizarre ») : Statut inconnu : « presque fini »",
        "Ligne 7 (« Montant anglais ») : Montant illisible (budget) : « 12,500 $ »",
        "Ligne 8 (« Jardins partagés ») : doublon de la ligne 2",
        "Ligne 9 (« Dates à l'envers ») : La fin (2025-01-01) précède le début (2025-06-01).",
        "Ligne 10 (« Premières Nations ») : Région inconnue : « CSSPNQL ». Vouliez-vous dire : "
        "CSSSPNQL",
        "Ligne 12 (« Budget astronomique ») : Montant trop élevé (budget) : "
        "« 10000000000000000000000000000 $ ». Le maximum est 10 000 000 000 $",
        "Ligne 13 (« Budget trop élevé ») : Montant trop élevé (budget) : « 12 G$ »",
    ):
        assert any(line.startswith(expected) for line in report), (expected, report)
    assert "Traceback" not in done.stderr and "InvalidOperation" not in done.stderr
    store = ProjectStore(database_path(home))
    assert [p.name for p in store.projects()] == ["Popote roulante", "Jardins partagés"]
    assert store.projects(region="Estrie")[0].budget_cents == 250_000
    assert len(store.audit()) == 2 and store.audit()[0].action == "project.import"

    # The same file again: nothing imported twice, the same lines refused, still status 1.
    again = run_cli(home, "import", str(sheet), "--no-index")
    assert again.returncode == 1
    assert [line.split(" : ")[0] for line in again.stderr.splitlines()] == [
        line.split(" : ")[0] for line in report
    ]
    assert again.stdout.startswith("0 projet(s) importé(s), 10 ligne(s) refusée(s), 2 déjà")
    assert ProjectStore(database_path(home)).count() == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("nom,région,couleur\nA,Estrie,bleu\n", "Colonne(s) inconnue(s)"),
        ("statut,budget\nen cours,5 $\n", "« nom » et « région »"),
        ("", "est vide"),
    ],
)
def test_unreadable_sheets_are_usage_errors(tmp_path: Path, content: str, expected: str) -> None:
    sheet = tmp_path / "projets.csv"
    sheet.write_text(content, encoding="utf-8")
    done = run_cli(tmp_path / "home", "import", str(sheet))
    assert done.returncode == 2 and done.stdout == ""
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_nothing_is_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A write failing midway (the disk is full at the second line): the line before it
    stays whole, the failing one leaves nothing, and running the file again goes on."""
    from bot import cli

    sheet = tmp_path / "projets.csv"
    sheet.write_text("nom,région\nUn,Estrie\nDeux,Estrie\nTrois,Estrie\n", encoding="utf-8")
    monkeypatch.setenv("ALLIANCES_HOME", str(tmp_path / "home"))
    calls = {"audit": 0}
    original = ProjectStore._audit

    def failing_audit(self: ProjectStore, *args: Any, **kwargs: Any) -> int:
        calls["audit"] += 1
        if calls["audit"] == 2:
            raise OSError("disque plein")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ProjectStore, "_audit", failing_audit)
    assert cli.main(["projects", "import", str(sheet), "--no-index"]) == 1
    captured = capsys.readouterr()
    assert "disque plein" in captured.err and "1 projet(s) importé(s) (#1)" in captured.out
    monkeypatch.setattr(ProjectStore, "_audit", original)  # the disk has room again
    store = ProjectStore(database_path(tmp_path / "home"))
    assert [p.name for p in store.projects()] == ["Un"]
    assert [entry.project_id for entry in store.audit()] == [1]  # no project without audit
    assert cli.main(["projects", "import", str(sheet), "--no-index"]) == 0
    assert "2 projet(s) importé(s) (#2, #3), 0 ligne(s) refusée(s), 1 déjà" in (
        capsys.readouterr().out
    )
    assert store.count() == 3 and len(store.audit()) == 3


def test_list_and_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """In-process (`bot.cli.main`), to keep it quick; the other tests run real processes."""
    from bot import cli

    fill(tmp_path)
    monkeypatch.setenv("ALLIANCES_HOME", str(tmp_path))

    def run(*args: str) -> tuple[int, str, str]:
        status = cli.main(["projects", *args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    status, out, _ = run("list", "--region", "Mauricie")
    assert status == 0
    assert "#1  Les maraîchers du cœur  —  Mauricie, terminé, 2 mise(s) à jour" in out
    assert "Lucioles" not in out
    _, out, _ = run("list", "--format", "json")
    assert [p["name"] for p in json.loads(out)] == [
        "Lucioles",
        "Halte-répit",
        "Les maraîchers du cœur",
    ]
    status, out, _ = run("show", "maraichers du coeur")
    assert status == 0
    assert "Dépensé (cumul des mises à jour) : 1 250,75 $" in out.replace("\u00a0", " ")
    assert "marie.tremblay : Première récolte" in out
    assert "Statut : en cours → terminé" in out
    status, _, err = run("list", "--region", "Mauricy")
    assert status == 2 and "Vouliez-vous dire : Mauricie" in err
    status, _, err = run("show", "#42")
    assert status == 2 and "aucun projet" in err
    status, _, err = run("show", "#" + "9" * 40)  # beyond SQLite's integers: no crash
    assert status == 2 and "aucun projet" in err


def test_imported_projects_are_indexed(
    home_copy: Path, encoder: Any, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """In-process (the session's encoder): the import indexes what it wrote."""
    from bot import cli
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex

    assistant = Assistant(KnowledgeIndex(home_copy, encoder=encoder, chroma_url=""))
    monkeypatch.setattr(
        Assistant, "from_environment", classmethod(lambda cls, home=None: assistant)
    )
    monkeypatch.setenv("ALLIANCES_HOME", str(home_copy))
    sheet = home_copy / "projets.csv"
    sheet.write_text(
        "nom;région;promoteur;description\n"
        "Cuisines nomades;Côte-Nord;Centre d'action bénévole;Ateliers de cuisine itinérants\n",
        encoding="utf-8",
    )
    assert cli.main(["projects", "import", str(sheet)]) == 0
    assert "Projets indexés : 1 passage(s)" in capsys.readouterr().out
    hits = assistant.search("cuisines nomades", k=3, kind="project").hits
    assert hits and hits[0].chunk.metadata["project"] == "Cuisines nomades"
    assert hits[0].chunk.metadata["region"] == "Côte-Nord"


@pytest.mark.slow
def test_import_then_search_as_separate_processes(home_copy: Path, tmp_path: Path) -> None:
    """Two real processes, each loading the model (~7 s each): marked slow."""
    sheet = tmp_path / "projets.csv"
    sheet.write_text("nom,région\nFriperie du Vieux-Port,Capitale-Nationale\n", encoding="utf-8")
    done = run_cli(home_copy, "import", str(sheet))
    assert done.returncode == 0, done.stderr
    env = {**os.environ, "ALLIANCES_HOME": str(home_copy), "ALLIANCES_CHROMA_URL": ""}
    search = subprocess.run(
        [sys.executable, "-m", "bot.cli", "search", "friperie", "--kind", "project", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    hits = json.loads(search.stdout)["hits"]
    assert hits[0]["metadata"]["project"] == "Friperie du Vieux-Port"
