"""The checks on a shared file (knowledge/upload_checks.py), the pending area and the
duplicate / new-version logic of bot/uploads.py, without any chat platform or index."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from upload_files import bomb_docx, docx_bytes, pdf_bytes

from bot.chat import PLATFORM_SLACK, ChatRequest, Conversation, NoticeReply
from bot.uploads import (
    PENDING_TTL_S,
    DownloadError,
    OfferedFile,
    PendingStore,
    UploadDuplicateReply,
    UploadOfferReply,
    UploadRefusedReply,
    UploadService,
    is_upload_command,
    safe_file_name,
)
from knowledge.manifest import infer_document_info
from knowledge.paths import database_path
from knowledge.sources import SourceRegistry
from knowledge.upload_checks import (
    UploadRejected,
    check_announced,
    check_docx_archive,
    inspect_upload,
)

CURATOR = "U0CURATOR"
STRANGER = "U0STRANGER"
MB = 1024 * 1024
pytest_plugins = ["slack_fixtures"]


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# --- the checks ---------------------------------------------------------------------------------


def test_a_pdf_passes_and_its_title_is_detected(tmp_path: Path) -> None:
    data = pdf_bytes("Bilan des jardins partagés de Lotbinière", ["Quatorze jardins."] * 3)
    inspected = inspect_upload(write(tmp_path, "bilan.pdf", data), 25 * MB)
    assert inspected.format == "pdf"
    assert inspected.title == "Bilan des jardins partagés de Lotbinière"
    assert "Quatorze jardins" in inspected.loaded.text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "unsupported"),
        ("programme.exe", b"MZ\x90\0", "unsupported"),
        ("rapport.docx", b"%PDF-1.4\n" + b"x" * 40, "unsupported"),  # a PDF named .docx
        ("casse.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage", "corrupt"),
        ("vide.txt", b"   \n\n  ", "empty"),
        ("faux.docx", b"PK\x03\x04not really a zip archive at all", "unsupported"),
    ],
)
def test_bad_files_are_refused_with_their_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    with pytest.raises(UploadRejected) as refused:
        inspect_upload(write(tmp_path, name, data), 25 * MB)
    assert refused.value.reason == reason
    assert refused.value.text("fr") and refused.value.text("en") != refused.value.text("fr")


def test_a_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    data = pdf_bytes("Document confidentiel", ["Secret."], password="motdepasse")
    with pytest.raises(UploadRejected) as refused:
        inspect_upload(write(tmp_path, "secret.pdf", data), 25 * MB)
    assert refused.value.reason == "encrypted"
    assert "mot de passe" in refused.value.text("fr")


def test_a_zip_bomb_docx_is_refused_before_parsing(tmp_path: Path) -> None:
    data = bomb_docx()
    assert len(data) < MB  # small on the wire
    with pytest.raises(UploadRejected) as refused:
        check_docx_archive(data)
    assert refused.value.reason == "bomb"
    with pytest.raises(UploadRejected) as refused:
        inspect_upload(write(tmp_path, "bombe.docx", data), 25 * MB)
    assert refused.value.reason == "bomb"
    # a normal Word document passes the same check
    check_docx_archive(docx_bytes("Normal", ["Un paragraphe."] * 20))


def test_size_is_checked_announced_and_received(tmp_path: Path) -> None:
    with pytest.raises(UploadRejected) as refused:
        check_announced("gros.pdf", 30 * MB, 25 * MB)
    assert refused.value.reason == "too_big" and "25 Mo" in refused.value.text("fr")
    with pytest.raises(UploadRejected) as refused:
        check_announced("image.png", 10, 25 * MB)
    assert refused.value.reason == "unsupported"
    check_announced("petit.docx", None, 25 * MB)  # unknown size: checked on the bytes
    with pytest.raises(UploadRejected) as refused:
        inspect_upload(write(tmp_path, "long.txt", b"mot " * 300), 1000)
    assert refused.value.reason == "too_big"


_PREFIXES = [b"", b"%PDF-1.4\n", b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"\xef\xbb\xbf", b"<html>"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["a.pdf", "a.docx", "a.txt", "a.md", "a.html", "a.htm", "a.bin", "a"]),
    prefix=st.sampled_from(_PREFIXES),
    body=st.binary(max_size=2048),
)
def test_the_checker_never_raises_anything_but_its_own_error(
    tmp_path: Path, name: str, prefix: bytes, body: bytes
) -> None:
    path = write(tmp_path, name, prefix + body)
    try:
        inspected = inspect_upload(path, 10_000)
    except UploadRejected as error:
        assert error.reason in ("too_big", "unsupported", "bomb", "encrypted", "corrupt", "empty")
    else:
        assert inspected.loaded.text.strip() and inspected.title


def test_safe_file_names() -> None:
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("..\\Rapport annuel 2024 (final).PDF") == "Rapport-annuel-2024-final.pdf"
    assert safe_file_name("Évaluation été.docx") == "Evaluation-ete.docx"
    assert safe_file_name("....pdf") == "document.pdf"
    assert safe_file_name("«»") == "document"


def test_the_command_the_buttons_send() -> None:
    assert is_upload_command("ajouter AbCdEfGh12345678")
    assert is_upload_command("annuler AbCdEfGh_2345-78")
    assert not is_upload_command("ajouter ../../../etc/passwd")
    assert not is_upload_command("sur les jardins de Lotbinière ?")


# --- the pending area ---------------------------------------------------------------------------


def test_pending_store_keeps_checks_and_expires(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = PendingStore(tmp_path / "pending", clock=lambda: now[0])
    staging = store.staging()
    (staging / "note.txt").write_text("Bonjour", encoding="utf-8")
    pending = store.commit(
        staging,
        {"name": "note.txt", "user": CURATOR, "platform": "slack", "language": "fr",
         "sha256": "0" * 64, "size": 7, "title": "Note"},
    )  # fmt: skip
    assert store.get(pending.id) == pending and pending.path.read_text() == "Bonjour"
    for forged in ("", "../pending", pending.id + "x", "a" * 16, pending.id.lower() + "/"):
        assert store.get(forged) is None or forged == pending.id
    now[0] += PENDING_TTL_S + 1
    assert store.get(pending.id) is None  # expired
    store.purge()
    assert store.folders() == []


# --- the service: duplicates, versions, refusals ------------------------------------------------


class _NoAssistant:
    home: Path

    def __init__(self, home: Path):
        self.home = home


def _request(user: str = CURATOR, text: str = "") -> ChatRequest:
    return ChatRequest(
        text=text, user_id=user, conversation=Conversation(PLATFORM_SLACK, "D0TEST", is_direct=True)
    )


def _offered(name: str, data: bytes, size: int | None = None) -> OfferedFile:
    return OfferedFile(name, len(data) if size is None else size, lambda _max: data)


@pytest.fixture()
def service(tmp_path: Path) -> UploadService:
    home = tmp_path / "home"
    home.mkdir()
    return UploadService(home, {CURATOR}, assistant=lambda: _NoAssistant(home), max_bytes=2 * MB)


def _record(home: Path, path: Path, added_by: str | None = CURATOR) -> None:
    info = infer_document_info(path)
    with SourceRegistry(database_path(home)) as registry:
        registry.record(info, "some-hash", "uploads", added_by=added_by)


def test_a_curator_gets_an_offer_and_a_stranger_a_notice(service: UploadService) -> None:
    text = "Le programme Racines partagées soutient quatorze jardins collectifs.\n".encode()
    refused = service.offer(_request(STRANGER), _offered("jardins.txt", text))
    assert isinstance(refused, NoticeReply) and refused.kind == "refusal"
    assert "Seuls les responsables" in refused.text and service.pending.folders() == []

    offer = service.offer(_request(), _offered("jardins.txt", text))
    assert isinstance(offer, UploadOfferReply) and offer.replaces is None
    assert offer.question().startswith("Ajouter « ") and offer.confirm_label == "Ajouter"
    pending = service.pending.get(offer.pending_id)
    assert pending is not None and pending.path.read_bytes() == text
    english = service.offer(_request(text="Please add this file"), _offered("b.txt", text + b"!"))
    assert isinstance(english, UploadOfferReply) and english.question().startswith("Add “")


def test_the_same_bytes_are_recognised_and_a_same_name_is_a_new_version(
    service: UploadService, tmp_path: Path
) -> None:
    stored = tmp_path / "home" / "uploads" / "jardins.txt"
    stored.parent.mkdir(parents=True)
    stored.write_bytes("Le programme Racines partagées soutient quatorze jardins.\n".encode())
    _record(service.home, stored)

    same = service.offer(_request(), _offered("copie.txt", stored.read_bytes()))
    assert isinstance(same, UploadDuplicateReply)
    assert same.fallback_text().startswith("Déjà dans la base : « ")
    assert f"ajouté par {CURATOR} le " in same.fallback_text()
    assert service.pending.folders() == []  # nothing kept

    newer = service.offer(_request(), _offered("jardins.txt", b"Seize jardins en 2026.\n"))
    assert isinstance(newer, UploadOfferReply) and newer.replaces is not None
    assert newer.question().startswith("Remplacer « ") and newer.confirm_label == "Remplacer"
    assert f"ajouté par {CURATOR} le " in newer.question()


def test_bad_downloads_and_bad_files_leave_nothing(service: UploadService) -> None:
    def failing(_max: int) -> bytes:
        raise DownloadError("HTTP 500")

    cases = [
        (OfferedFile("a.pdf", 100, failing), "download"),
        (_offered("gros.pdf", b"x", size=3 * MB), "too_big"),  # announced
        (_offered("menteur.txt", b"y" * (3 * MB), size=10), "too_big"),  # received
        (_offered("image.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 10), "unsupported"),
        (_offered("bombe.docx", bomb_docx()), "bomb"),
        (_offered("vide.md", b"\n\n"), "empty"),
    ]
    for offered, reason in cases:
        reply = service.offer(_request(), offered)
        assert isinstance(reply, UploadRefusedReply), (offered.name, reply)
        assert reply.reason == reason, (offered.name, reply.text)
        assert service.pending.folders() == [], offered.name
    with SourceRegistry(database_path(service.home)) as registry:
        assert registry.list(include_removed=True) == []


def test_decisions_check_the_id_and_the_person(service: UploadService) -> None:
    offer = service.offer(_request(), _offered("note.txt", b"Une note sur les jardins.\n"))
    assert isinstance(offer, UploadOfferReply)
    gone = service.handle(_request(), "ajouter ZZZZZZZZZZZZZZZZ")
    assert isinstance(gone, NoticeReply) and "n'est plus valable" in gone.text
    refused = service.handle(_request(STRANGER), f"annuler {offer.pending_id}")
    assert isinstance(refused, NoticeReply) and refused.kind == "refusal"
    assert service.pending.get(offer.pending_id) is not None
    cancelled = service.handle(_request(), f"annuler {offer.pending_id}")
    assert isinstance(cancelled, NoticeReply) and cancelled.text.startswith("Ajout annulé")
    assert service.pending.folders() == []
    again = service.handle(_request(), f"ajouter {offer.pending_id}")
    assert "n'est plus valable" in again.text


def test_a_failed_ingestion_is_undone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()

    class Failing(_NoAssistant):
        removed: ClassVar[list[str]] = []

        def add_document(self, info, root, added_by=None):
            with SourceRegistry(database_path(self.home)) as registry:
                registry.record(info, "h", root, added_by)  # half-written, then it fails
            raise RuntimeError("the encoder crashed")

        def remove_document(self, doc_id: str) -> None:
            self.removed.append(doc_id)

    assistant = Failing(home)
    service = UploadService(home, {CURATOR}, assistant=lambda: assistant)
    offer = service.offer(_request(), _offered("note.txt", b"Une note sur les jardins.\n"))
    reply = service.handle(_request(), f"ajouter {offer.pending_id}")
    assert isinstance(reply, UploadRefusedReply) and "rien n'a été ajouté" in reply.text
    assert service.pending.folders() == []
    assert not any((home / "uploads").glob("*.txt"))
    assert assistant.removed
    with SourceRegistry(database_path(home)) as registry:
        assert registry.list() == []  # marked removed: never indexed again


# --- the Slack door: a malformed `files` field --------------------------------------------------


def test_malformed_files_in_a_signed_event_are_refused_or_ignored(start_server, caplog) -> None:
    from standins.servers import USER, new_channel

    app = start_server(extra_environment={"ALLIANCES_CURATORS": USER})
    channel = new_channel("D")
    # The stand-in lives for the whole session: count only what this test makes it do.
    infos_before = len(app.standin.calls_to("files.info"))
    downloads_before = len(app.standin.downloads)
    cases = [("x", 400), ([1, 2], 400), ({"id": "F1"}, 400), ([{}], 200), ([{"id": 5}], 200)]
    for number, (files, status) in enumerate(cases):
        message = app.standin.add_user_message(channel, USER, "")
        event = {
            "type": "message", "subtype": "file_share", "channel_type": "im", "user": USER,
            "text": "", "ts": message["ts"], "channel": channel, "files": files,
        }  # fmt: skip
        sent = app.sender.event(event, label=f"files {number}")
        assert sent.status == status, (files, sent.status, sent.response_body)
    app.standin.quiet(0.5)
    assert len(app.standin.calls_to("files.info")) == infos_before
    assert len(app.standin.downloads) == downloads_before
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
