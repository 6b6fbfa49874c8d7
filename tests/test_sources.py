"""The source registry: recording, listing, correcting and removing documents, each write
with its audit line in one transaction."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from knowledge.manifest import DocumentInfo, shipped_documents
from knowledge.paths import database_path
from knowledge.sources import (
    SourceCorrectionError,
    SourceRegistry,
    UnknownSourceError,
    source_number,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        self.now += 60
        return self.now


@pytest.fixture
def registry(tmp_path: Path) -> SourceRegistry:
    with SourceRegistry(database_path(tmp_path), clock=Clock()) as opened:
        yield opened


def user_document(name: str = "rapport.pdf", **fields: object) -> DocumentInfo:
    values: dict[str, object] = {
        "doc_id": f"/depot/{name}",
        "path": Path(f"/depot/{name}"),
        "title": "Rapport régional",
        "regions": ("Outaouais",),
        "periods": ("2024-2029",),
        "period": "2024-2029",
        "plan": "Plan 2024-2029",
        "kind": "page-region",
        "date": "2025-03-12",
    }
    values.update(fields)
    return DocumentInfo(**values)  # type: ignore[arg-type]


def test_record_gives_stable_short_numbers(registry: SourceRegistry) -> None:
    shipped = [registry.record(info, "h", "shipped") for info in shipped_documents()]
    added = registry.record(user_document(), "h1", "/depot", added_by="U1")
    assert [s.number for s in shipped] == [1, 2, 3, 4, 5]
    assert all(s.shipped for s in shipped) and not added.shipped
    assert (added.number, added.added_by, added.root) == (6, "U1", "/depot")
    assert (added.periods, added.regions) == (("2024-2029",), ("Outaouais",))
    assert added.period == "2024-2029"
    again = registry.record(user_document(), "h2", "/depot")
    assert again.number == 6 and again.content_hash == "h2"
    assert registry.get(6) == registry.get("6") == registry.get("n° 6") == again
    assert registry.get("/depot/rapport.pdf") == again
    assert registry.get(99) is None


def test_recording_the_same_thing_twice_writes_nothing(registry: SourceRegistry) -> None:
    first = registry.record(user_document(), "h1", "/depot")
    assert registry.record(user_document(), "h1", "/depot") == first
    assert [entry.action for entry in registry.history(first.number)] == ["added"]


def test_a_correction_is_validated_audited_and_survives_reingestion(
    registry: SourceRegistry,
) -> None:
    source = registry.record(user_document(), "h1", "/depot", added_by="U1")
    corrected = registry.correct(
        source.number,
        {
            "région": "Gaspésie",
            "période": "2019-23",
            "titre": "Bilan corrigé",
            "url": "https://x.ca/b",
        },
        by="U2",
    )
    assert corrected.regions == ("Gaspésie",)
    assert corrected.periods == ("2019-2023",)
    assert corrected.title == "Bilan corrigé"
    assert corrected.corrected == ("periods", "regions", "title", "url")
    # Ingestion runs again with the detected values: the person's correction stays.
    refreshed = registry.record(user_document(kind="communique"), "h2", "/depot")
    assert refreshed.regions == ("Gaspésie",) and refreshed.kind == "communique"
    fresh = registry.apply_corrections(user_document())
    assert (fresh.regions, fresh.period, fresh.url) == (
        ("Gaspésie",),
        "2019-2023",
        "https://x.ca/b",
    )
    history = registry.history(source.number)
    assert [(h.action, h.actor) for h in history] == [
        ("added", "U1"),
        ("corrected", "U2"),
        ("updated", None),
    ]
    assert history[1].before["regions"] == ["Outaouais"]
    assert history[1].after["regions"] == ["Gaspésie"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"région": "Mauricy"}, "Vouliez-vous dire : Mauricie"),
        ({"période": "2021-09"}, "Période invalide"),
        ({"période": "2021-2109"}, "Période invalide"),
        ({"url": "exemple.org"}, "http:// ou https://"),
        ({"titre": " "}, "Le titre ne peut pas être vide"),
        ({"couleur": "bleu"}, "Champ inconnu"),
        ({}, "Rien à corriger"),
        ({"titre": "Bon titre", "région": "Atlantide"}, "Région inconnue"),
    ],
)
def test_a_bad_correction_changes_nothing(
    registry: SourceRegistry, changes: dict[str, str], message: str
) -> None:
    source = registry.record(user_document(), "h1", "/depot")
    with pytest.raises(SourceCorrectionError, match=message) as raised:
        registry.correct(source.number, changes, by="U2")
    assert isinstance(raised.value, ValueError)
    assert registry.get(source.number) == source
    assert [h.action for h in registry.history(source.number)] == ["added"]


def test_unknown_source_is_a_french_error(registry: SourceRegistry) -> None:
    with pytest.raises(UnknownSourceError, match="Aucune source n° 42"):
        registry.correct(42, {"titre": "x"}, by="U")
    with pytest.raises(UnknownSourceError):
        registry.remove("42", by="U")


def test_remove_keeps_the_row_and_its_history(registry: SourceRegistry) -> None:
    source = registry.record(user_document(), "h1", "/depot")
    removed = registry.remove(source.number, by="U3")
    assert removed.removed and removed.removed_by == "U3"
    assert registry.list() == []
    assert registry.list(include_removed=True) == [removed]
    assert registry.remove(source.number, by="U3") == removed  # twice: nothing more
    assert [h.action for h in registry.history(source.number)] == ["added", "removed"]
    back = registry.record(user_document(), "h1", "/depot")
    assert not back.removed and back.number == source.number
    assert registry.history(source.number)[-1].action == "added"


def test_list_filters_by_region_and_period(registry: SourceRegistry) -> None:
    for info in shipped_documents():
        registry.record(info, "h", "shipped")
    registry.record(user_document("a.pdf"), "h", "/depot")
    registry.record(
        user_document("b.pdf", regions=("Kativik",), periods=("2025-2026",)), "h", "/depot"
    )
    by_region = [s.doc_id for s in registry.list(region="Outaouais")]
    assert by_region == ["mtess-alliances-mandataires-regions-2019-2023.txt", "/depot/a.pdf"]
    assert [s.doc_id for s in registry.list(region="Nord-du-Québec")][-1] == "/depot/b.pdf"
    assert [s.doc_id for s in registry.list(period="2024-2029")] == ["/depot/a.pdf", "/depot/b.pdf"]
    # A period within the one asked for counts, and the other way round.
    assert [s.doc_id for s in registry.list(region="Outaouais", period="2025-26")] == [
        "/depot/a.pdf"
    ]
    assert [s.doc_id for s in registry.list(region="Outaouais", period="2010-2015")] == []
    with pytest.raises(SourceCorrectionError, match="Région inconnue"):
        registry.list(region="Atlantide")


def test_audit_is_append_only(registry: SourceRegistry) -> None:
    registry.record(user_document(), "h1", "/depot")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        registry.db.execute("UPDATE sources_audit SET actor = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        registry.db.execute("DELETE FROM sources_audit")


def test_a_failed_write_leaves_no_half_row(registry: SourceRegistry, monkeypatch) -> None:
    source = registry.record(user_document(), "h1", "/depot")

    def broken_audit(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disque plein")

    monkeypatch.setattr(registry, "_audit", broken_audit)
    with pytest.raises(RuntimeError):
        registry.correct(source.number, {"titre": "Nouveau"}, by="U")
    with pytest.raises(RuntimeError):
        registry.record(user_document("autre.pdf"), "h", "/depot")
    monkeypatch.undo()
    assert registry.get(source.number).title == "Rapport régional"
    assert registry.get("/depot/autre.pdf") is None


def test_the_registry_shares_the_project_database(tmp_path: Path) -> None:
    with SourceRegistry.open(tmp_path) as opened:
        opened.record(user_document(), "h1", "/depot")
    with SourceRegistry(database_path(tmp_path)) as reopened:
        assert reopened.get(1) is not None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=30))
@example("²")
@example("٣")
def test_source_numbers_parse_only_numbers(typed: str) -> None:
    number = source_number(typed)
    if number is not None:
        assert number > 0 and str(number) in typed


def test_two_connections_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = database_path(tmp_path)
    first, second = SourceRegistry(path), SourceRegistry(path)

    def write(registry: SourceRegistry, prefix: str) -> None:
        for index in range(15):
            source = registry.record(user_document(f"{prefix}{index}.pdf"), "h", "/depot")
            registry.correct(source.number, {"titre": f"Titre {prefix}{index}"}, by=prefix)

    threads = [
        threading.Thread(target=write, args=(first, "a")),
        threading.Thread(target=write, args=(second, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sources = first.list()
    assert len(sources) == 30 and len({s.number for s in sources}) == 30
    assert all(s.title.startswith("Titre ") for s in sources)
    audit = first.db.execute("SELECT count(*) FROM sources_audit").fetchone()[0]
    assert audit == 60
    first.close()
    second.close()


def test_people_are_shown_by_name_where_the_platform_gives_ids(
    registry: SourceRegistry,
) -> None:
    from bot.slack.source_blocks import card_blocks
    from bot.sources_commands import SourceCardReply

    aad = "0f3a0a1e-1111-4222-8333-444455556666"
    source = registry.record(user_document(), "h1", "/depot", added_by=aad)
    assert source.added_by_label == aad  # no name known yet: the id
    registry.remember_name(aad, "Marie Tremblay")
    registry.remember_name("U0PIERRE1", "pierre")
    registry.remember_name("U0PIERRE1", "  ")  # a blank name changes nothing
    removed = registry.remove(source.number, by="U0PIERRE1")
    assert (removed.added_by, removed.added_by_label) == (aad, "Marie Tremblay")
    assert removed.removed_by_label == "pierre"
    history = tuple(registry.history(source.number))
    assert [entry.actor_label for entry in history] == ["Marie Tremblay", "pierre"]

    card = SourceCardReply(removed, None, history)
    text = card.fallback_text()
    assert "Ajouté par : Marie Tremblay, le " in text and aad not in text
    assert "ajouté par Marie Tremblay" in text and "retiré par pierre" in text
    # Slack still shows its users as mentions, whatever name was remembered
    slack = str(card_blocks(card))
    assert "<@U0PIERRE1>" in slack and "Marie Tremblay" in slack
