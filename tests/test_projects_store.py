"""The project store (knowledge/projects.py): schema, transactions, audit, idempotency, rules."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from knowledge.projects import (
    MIGRATIONS,
    Actor,
    DuplicateProjectError,
    ProjectInputError,
    ProjectStore,
    ProjectStoreError,
    UnknownProjectError,
    format_date,
    format_money,
    parse_date,
    parse_money,
    parse_people,
    parse_region,
    parse_status,
    validate_project,
    validate_update,
)
from retrieval.chunk_store import ChunkStore

MARIE = Actor("U0MARIE01", "marie.tremblay", "slack", "C0MAURICIE")
PIERRE = Actor("U0PIERRE1", None, "teams", "19:abc")


def draft(**fields: str):
    values = {"name": "Les maraîchers du cœur", "region": "Mauricie", **fields}
    project, errors = validate_project(values)
    assert project is not None, errors
    return project


def update(text: str = "12 jeunes inscrits pour la saison", **fields: str):
    result, errors = validate_update({"text": text, **fields})
    assert result is not None, errors
    return result


@pytest.fixture()
def store(tmp_path: Path) -> ProjectStore:
    return ProjectStore(tmp_path / "alliances.db")


# --- writing ------------------------------------------------------------------------------


def test_create_then_update_with_status_change(store: ProjectStore) -> None:
    created = store.create_project(draft(budget="40 000 $"), MARIE, request_key="slack:1")
    project = created.project
    assert project.id == 1 and project.reference == "#1"
    assert project.status == "à venir" and project.budget_cents == 4_000_000
    assert project.created_by == "U0MARIE01" and project.created_by_name == "marie.tremblay"

    logged = store.add_update(
        project.id,
        update(status="en cours", amount_spent="12 500 $", people_reached="12"),
        PIERRE,
        request_key="teams:2",
    )
    assert logged.project.status == "en cours" and logged.status_before == "à venir"
    assert logged.update is not None
    assert (logged.update.status_from, logged.update.status_to) == ("à venir", "en cours")
    assert logged.update.amount_spent_cents == 1_250_000 and logged.update.people_reached == 12
    assert logged.update.platform == "teams" and logged.update.channel == "19:abc"
    assert store.update_summary(project.id)[:2] == (1, 1_250_000)

    same_status = store.add_update(project.id, update("Suite", status="EN COURS"), MARIE)
    assert same_status.update is not None and same_status.update.status_to is None


def test_every_change_has_its_audit_row(store: ProjectStore) -> None:
    project = store.create_project(draft(), MARIE).project
    store.add_update(project.id, update(status="terminé"), MARIE, request_key="k")
    created, logged = store.audit(project.id)
    assert created.action == "project.create" and created.before is None
    assert created.after is not None and created.after["name"] == project.name
    assert logged.action == "update.create" and logged.request_key == "k"
    assert logged.before is not None and logged.before["status"] == "à venir"
    assert logged.after is not None and logged.after["status"] == "terminé"
    assert logged.after["update"]["text"] == "12 jeunes inscrits pour la saison"
    assert logged.actor == "U0MARIE01" and logged.platform == "slack"


def test_the_audit_is_append_only(store: ProjectStore) -> None:
    store.create_project(draft(), MARIE)
    raw = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE project_audit SET actor = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM project_audit")


def test_a_request_key_never_writes_twice(store: ProjectStore) -> None:
    first = store.create_project(draft(), MARIE, request_key="slack:command:1.2.cmd")
    again = store.create_project(draft(), MARIE, request_key="slack:command:1.2.cmd")
    assert again.replayed and again.project == first.project
    logged = store.add_update(first.project.id, update(), MARIE, request_key="slack:command:3")
    repeat = store.add_update(first.project.id, update(), MARIE, request_key="slack:command:3")
    assert repeat.replayed and repeat.update == logged.update
    assert store.update_summary(first.project.id)[0] == 1
    assert len(store.audit()) == 2
    assert store.result_for_request("slack:command:3") is not None
    assert store.result_for_request("never-seen") is None


def test_a_failed_audit_write_leaves_nothing(store: ProjectStore, monkeypatch) -> None:
    project = store.create_project(draft(), MARIE).project

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "_audit", broken)
    with pytest.raises(sqlite3.OperationalError):
        store.add_update(project.id, update(status="terminé"), MARIE)
    with pytest.raises(sqlite3.OperationalError):
        store.create_project(draft(name="Autre projet"), MARIE)
    monkeypatch.undo()
    assert store.get(project.id).status == "à venir"  # type: ignore[union-attr]
    assert store.updates(project.id) == [] and store.count() == 1
    assert len(store.audit()) == 1


def test_duplicate_names_are_refused_in_one_region_only(store: ProjectStore) -> None:
    store.create_project(draft(), MARIE)
    with pytest.raises(DuplicateProjectError) as refused:
        store.create_project(draft(name="maraichers du coeur"), MARIE)  # article, accents
    assert "#1" in str(refused.value) and refused.value.field == "name"
    other = store.create_project(draft(region="Estrie"), MARIE)
    assert other.project.id == 2


def test_update_of_an_unknown_project_writes_nothing(store: ProjectStore) -> None:
    with pytest.raises(UnknownProjectError):
        store.add_update(42, update(), MARIE, request_key="k")
    assert store.audit() == [] and store.result_for_request("k") is None


def test_an_imported_line_is_its_own_transaction(store: ProjectStore) -> None:
    store.create_project(draft(name="Lucioles", region="Abitibi"), MARIE)
    first = store.import_project(draft(name="Premier"), MARIE, request_key="import:f:2")
    with pytest.raises(DuplicateProjectError):
        store.import_project(
            draft(name="Lucioles", region="Abitibi-Témiscamingue"), MARIE, request_key="f:3"
        )
    # the duplicate wrote nothing, and did not undo the line before it
    assert store.count() == 2 and len(store.audit()) == 2
    assert store.result_for_request("f:3") is None
    assert store.audit()[-1].action == "project.import"
    again = store.import_project(draft(name="Premier"), MARIE, request_key="import:f:2")
    assert again.replayed and again.project == first.project and store.count() == 2


def test_a_crash_inside_an_imported_line_leaves_neither_half(
    store: ProjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(ProjectStore, "_audit", full_disk)
    with pytest.raises(sqlite3.OperationalError):
        store.import_project(draft(), MARIE, request_key="import:f:2")
    monkeypatch.undo()
    assert store.count() == 0 and store.audit() == []  # no project without its audit row
    store.import_project(draft(), MARIE, request_key="import:f:2")
    assert store.count() == 1


def test_ids_beyond_sqlite_integers_are_unknown_projects(store: ProjectStore) -> None:
    store.create_project(draft(), MARIE)
    for project_id in (2**63, 10**30, 0, -1):
        assert store.get(project_id) is None and store.get_update(project_id) is None
        with pytest.raises(UnknownProjectError):
            store.add_update(project_id, update(), MARIE)
    assert store.audit()[-1].action == "project.create"


def test_concurrent_writers_on_one_file(tmp_path: Path) -> None:
    path = tmp_path / "alliances.db"
    stores = [ProjectStore(path), ProjectStore(path)]
    project = stores[0].create_project(draft(), MARIE).project
    errors: list[BaseException] = []

    def write(store: ProjectStore, worker: int) -> None:
        try:
            for number in range(15):
                store.add_update(project.id, update(f"mise à jour {worker}-{number}"), MARIE)
                # The same request from both processes: written once.
                store.add_update(project.id, update("doublon"), MARIE, request_key=f"same:{number}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert stores[1].update_summary(project.id)[0] == 30 + 15


# --- reading ------------------------------------------------------------------------------


def test_find_by_name(store: ProjectStore) -> None:
    maraichers = store.create_project(draft(), MARIE).project
    lucioles_a = store.create_project(draft(name="Lucioles Val-d'Or", region="Abitibi"), MARIE)
    lucioles_b = store.create_project(draft(name="Lucioles Rouyn", region="Abitibi"), MARIE)
    assert store.find("LES MARAICHERS DU COEUR").exact == [maraichers]
    assert store.find("maraîchers du cœur").exact == [maraichers]  # without the article
    close = store.find("Lucioles")
    assert close.exact == [] and {p.id for p in close.close} == {
        lucioles_a.project.id,
        lucioles_b.project.id,
    }
    assert store.find("maraichets du coeur").close == [maraichers]  # a typo
    assert store.find("du").close == [] and store.find("jardin").close == []


def test_listing_and_the_digest_queries(store: ProjectStore) -> None:
    now = [1_750_000_000.0]
    clocked = ProjectStore(store.path, clock=lambda: now[0])
    a = clocked.create_project(draft(), MARIE).project
    b = clocked.create_project(draft(name="Lucioles", region="Abitibi"), MARIE).project
    now[0] += 3600
    clocked.add_update(a.id, update(status="en cours"), MARIE)
    clocked.add_update(b.id, update("Autre"), MARIE)
    assert [p.name for p in clocked.projects(region="Mauricie")] == [a.name]
    assert [p.name for p in clocked.projects(status="en cours")] == [a.name]
    assert len(clocked.projects(region=["Mauricie", "Abitibi-Témiscamingue"])) == 2
    week = ("2025-06-01T00:00:00+00:00", "2025-12-31T00:00:00+00:00")
    assert [u.text for _, u in clocked.updates_between(*week, region="Mauricie")] == [
        "12 jeunes inscrits pour la saison"
    ]
    assert len(clocked.projects_created_between(*week)) == 2


def test_pick_lists_expire(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = ProjectStore(tmp_path / "a.db", clock=lambda: now[0])
    token = store.save_choice({"action": "show", "candidates": []}, user_id="U1", platform="slack")
    assert store.choice(token) == {
        "action": "show",
        "candidates": [],
        "user_id": "U1",
        "platform": "slack",
    }
    now[0] += 25 * 3600
    assert store.choice(token) is None
    assert store.choice("unknown") is None


# --- schema -------------------------------------------------------------------------------


def test_schema_is_versioned_in_its_own_table(store: ProjectStore) -> None:
    raw = sqlite3.connect(store.path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 0  # left to others
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("SELECT version FROM projects_schema").fetchall() == [(1,)]
    tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"projects", "project_updates", "project_audit", "projects_schema"} <= tables


def test_shares_the_file_with_the_chunk_store(tmp_path: Path) -> None:
    path = tmp_path / "alliances.db"
    chunks = ChunkStore(path)
    store = ProjectStore(path)
    store.create_project(draft(), MARIE)
    assert chunks.chunk_count() == 0 and ProjectStore(path).count() == 1


def test_a_newer_version_opens_an_older_file_without_loss(tmp_path: Path) -> None:
    path = tmp_path / "alliances.db"
    old = ProjectStore(path, migrations=MIGRATIONS)
    project = old.create_project(draft(budget="40 000 $"), MARIE).project
    old.add_update(project.id, update(status="en cours"), MARIE, request_key="k")
    old.close()

    def add_website(db) -> None:
        db["projects"].add_column("website", str)

    newer = (*MIGRATIONS, (2, "projects.website", add_website))
    store = ProjectStore(path, migrations=newer)
    assert store.schema_version() == 2
    assert store.get(project.id) == old_project_as_read(project, store)
    assert store.updates(project.id)[0].status_to == "en cours"
    assert store.result_for_request("k") is not None
    columns = {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(projects)")}
    assert "website" in columns
    store.close()
    # and the older application refuses the newer file instead of damaging it
    with pytest.raises(ProjectStoreError, match="plus récente"):
        ProjectStore(path, migrations=MIGRATIONS)


def old_project_as_read(project, store: ProjectStore):
    """The project as the newer store reads it (its status changed with the update)."""
    return project.__class__(
        **{
            **project.to_dict(),
            "status": "en cours",
            "updated_at": (
                store.get(project.id).updated_at  # type: ignore[union-attr]
            ),
        }
    )


# --- input rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("13,7 M$", 1_370_000_000),
        ("12 500 $", 1_250_000),
        ("40 000,50 $", 4_000_050),
        ("40\u00a0000,50\u00a0$", 4_000_050),
        ("2,5 k$", 250_000),
        ("0 $", 0),
        ("s. o.", None),
    ],
)
def test_french_amounts(typed: str, cents: int | None) -> None:
    assert parse_money(typed) == cents


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5 $", "négatif"),
        ("−12 500 $", "négatif"),
        ("12,500 $", "illisible"),
        ("douze dollars", "illisible"),
        ("12.500.00 $", "illisible"),
        ("1 G$ 2", "illisible"),
        ("999 G$", "trop élevé"),
        ("10 000 000 000,01 $", "trop élevé"),
        ("10000000000000000000000000000", "trop élevé"),
        ("1" * 5000 + " $", "trop élevé"),
        ("1,000005 k$", "plus précis que le cent"),
        ("1,0000000001 G$", "illisible"),
    ],
)
def test_bad_amounts(typed: str, message: str) -> None:
    with pytest.raises(ProjectInputError, match=message) as error:
        parse_money(typed, "amount_spent")
    assert error.value.field == "amount_spent" and "montant" in str(error.value).lower()
    assert len(str(error.value)) < 300  # short enough for a Slack field error


def test_amounts_at_the_bounds() -> None:
    assert parse_money("10 000 000 000 $") == 10**12  # the maximum itself
    assert parse_money("10 G$") == 10**12 and parse_money("0,01 $") == 1
    assert parse_money("00000000000000000000000000012 $") == 1200  # leading zeros
    with pytest.raises(ProjectInputError) as error:
        parse_money("12 000 000 000 $", "budget")
    # the message says the limit and gives an example
    assert "10\u00a0000\u00a0000\u00a0000\u00a0$" in error.value.message
    assert "exemple : 40 000,50 $" in error.value.message
    assert "10,000,000,000" in error.value.english and error.value.field == "budget"


def test_people_at_the_bounds() -> None:
    assert parse_people("10 000 000") == 10_000_000 and parse_people("0") == 0
    for typed in ("10 000 001", "9" * 5000, "99999999999999999999"):
        with pytest.raises(ProjectInputError, match="trop élevé") as error:
            parse_people(typed)
        assert "maximum est 10\u00a0000\u00a0000" in error.value.message
        assert len(error.value.message) < 300


def test_other_values() -> None:
    assert parse_status("In progress") == "en cours" and parse_status("TERMINE") == "terminé"
    with pytest.raises(ProjectInputError, match="à venir, en cours, suspendu"):
        parse_status("fini pas fini")
    assert parse_people("1 200") == 1200 and parse_people("12") == 12
    for bad in ("-3", "douze", "12,5"):
        with pytest.raises(ProjectInputError):
            parse_people(bad)
    assert parse_date("3 juin 2025") == parse_date("03/06/2025") == "2025-06-03"
    with pytest.raises(ProjectInputError, match="Date illisible"):
        parse_date("2025-02-30")
    assert format_money(4_000_050) == "40\u00a0000,50\u00a0$"
    assert format_money(4_000_050, "en") == "$40,000.50"
    assert format_date("2025-06-01") == "1er juin 2025"


def test_regions_suggest_the_closest_territory_or_signatory() -> None:
    assert parse_region("mauricie") == "Mauricie"
    with pytest.raises(ProjectInputError, match="Vouliez-vous dire : Mauricie"):
        parse_region("Mauricy")
    with pytest.raises(ProjectInputError, match="CSSSPNQL") as error:
        parse_region("CSSPNQL")
    assert error.value.suggestions[0] == "CSSSPNQL"
    with pytest.raises(ProjectInputError, match=r"Territoires des Alliances : .*CSSSPNQL"):
        parse_region("xyz")
    with pytest.raises(ProjectInputError, match="Baie-James, Nation crie, Kativik"):
        parse_region("Nord-du-Québec")  # a group: which territory?


def test_validation_reports_every_field() -> None:
    project, errors = validate_project(
        {"name": "", "region": "Mauricy", "budget": "-5 $", "start_date": "demain"}
    )
    assert project is None
    assert [error.field for error in errors] == ["name", "region", "budget", "start_date"]
    assert all(error.english != error.message for error in errors)
    result, errors = validate_update({"text": "x" * 3001})
    assert result is None and "trop long" in errors[0].message and "3\u00a0001" in errors[0].message
    result, errors = validate_update({"text": "  "})
    assert result is None and "vide" in errors[0].message
