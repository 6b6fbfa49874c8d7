"""The Teams door's pure parts: settings, Adaptive Card rendering, reading activities, the
conversation-reference store and the app package. Nothing here starts a server."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from microsoft_agents.activity import Activity
from standins.teams_connector import APP_ID, TENANT_ID, USER_AAD

from bot.chat import AnswerReply, NoticeReply
from bot.cli import main
from bot.settings import SettingsError, load_settings
from bot.teams import cards as kit
from bot.teams import render
from bot.teams.icons import color_icon, outline_icon, png_size
from bot.teams.messages import mentions_bot, place_of, plain_text, user_id_of
from bot.teams.package import MANIFEST_DIR, PackageError, build_package, render_manifest
from bot.teams.references import ConversationReferences
from retrieval.answers import Answer, Citation

ID = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
SECRET = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET"
TENANT = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID"
ANONYMOUS = "ALLIANCES_TEAMS_ALLOW_ANONYMOUS"


# --- settings -----------------------------------------------------------------------------


def settings(tmp_path: Path, **environ: str):
    return load_settings({"ALLIANCES_HOME": str(tmp_path), **environ})


def test_teams_is_off_without_credentials_or_flag(tmp_path: Path) -> None:
    assert settings(tmp_path).teams is None
    assert settings(tmp_path, **{ANONYMOUS: "0"}).teams is None


def test_credentials_enable_authenticated_teams(tmp_path: Path) -> None:
    teams = settings(tmp_path, **{ID: APP_ID, SECRET: "s3cret", TENANT: TENANT_ID}).teams
    assert teams is not None and teams.authenticated and not teams.allow_anonymous
    assert teams.app_id == APP_ID and teams.tenant_id == TENANT_ID
    assert "s3cret" not in repr(teams)


def test_anonymous_needs_the_flag_and_no_credentials(tmp_path: Path) -> None:
    teams = settings(tmp_path, **{ANONYMOUS: "1"}).teams
    assert teams is not None and teams.allow_anonymous and not teams.authenticated
    with pytest.raises(SettingsError, match="anonyme"):
        settings(tmp_path, **{ANONYMOUS: "1", ID: APP_ID, SECRET: "s", TENANT: TENANT_ID})


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({SECRET: "s", TENANT: TENANT_ID}, "CLIENTID manque"),
        ({ID: "mon-bot", SECRET: "s", TENANT: TENANT_ID}, "GUID"),
        ({ID: APP_ID, TENANT: TENANT_ID}, "CLIENTSECRET manque"),
        ({ID: APP_ID, SECRET: "s"}, "TENANTID manque"),
        ({ID: APP_ID, SECRET: "s e", TENANT: TENANT_ID}, "espaces"),
        ({ANONYMOUS: "peut-être"}, "1 ou 0"),
        ({ANONYMOUS: "1", "ALLIANCES_TEAMS_OPENID_METADATA_URL": "ftp://x"}, "http"),
    ],
)
def test_bad_teams_settings_are_explained_in_french(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        settings(tmp_path, **environ)


# --- cards --------------------------------------------------------------------------------


def answer_reply(text: str = "Le mandataire est le Consortium [1].", **filters: str):
    citation = Citation(
        title="Mandataires [par région]",
        source="mtess.txt",
        section="Mauricie",
        score=0.9,
        url="https://example.org/a b",
        author="MTESS",
        date="2019",
    )
    answer = Answer("Q ?", text, False, [citation], filters=dict(filters))
    return AnswerReply(answer, "answer-1", channel_region=filters.get("region"))


def test_answer_card_has_text_sources_filters_and_buttons() -> None:
    (card,) = kit.answer_cards(answer_reply(region="Mauricie", plan="PAGIEPS"))
    texts = [block["text"] for block in card["body"]]
    assert texts[0] == "Le mandataire est le Consortium [1]."
    assert texts[1] == "**Sources**"
    assert texts[2] == (
        "[1] [Mandataires (par région)](https://example.org/a%20b) — Mauricie (MTESS, 2019)"
    )
    assert texts[3] == "Filtres : région Mauricie (réglage du canal) · plan PAGIEPS"
    assert [a["data"]["vote"] for a in card["actions"]] == ["up", "down"]
    assert {a["data"]["answer_id"] for a in card["actions"]} == {"answer-1"}


def test_an_abstention_card_lists_the_closest_sources() -> None:
    reply = answer_reply("Je ne trouve pas la réponse dans la base de connaissances.")
    reply.answer.abstained = True
    (card,) = kit.answer_cards(reply)
    texts = [block["text"] for block in card["body"]]
    assert texts[1] == "**Sources les plus proches**"



def test_long_answers_are_split_under_the_size_limit() -> None:
    text = "\n\n".join(f"Paragraphe {n} : " + "mot " * 200 for n in range(60))
    cards = kit.answer_cards(answer_reply(text))
    assert len(cards) > 1
    assert all(
        len(json.dumps(c, ensure_ascii=False).encode()) <= kit.CARD_BYTES_LIMIT for c in cards
    )
    assert "actions" in cards[-1] and all("actions" not in c for c in cards[:-1])
    joined = " ".join(b["text"] for c in cards for b in c["body"])
    assert "Paragraphe 59" in joined and "**Sources**" in joined


def test_notices_become_teams_markdown() -> None:
    (activity,) = render(NoticeReply("*Titre*\n• `config région <région>`", kind="error"))
    assert activity.text == "⚠️ **Titre**\n\n• `config région ‹région›`"
    assert activity.text_format == "markdown"
    assert kit.card_markdown("# Titre\ntexte") == "**Titre**\ntexte"


def test_answers_render_as_card_attachments() -> None:
    (activity,) = render(answer_reply())
    (attachment,) = activity.attachments
    assert attachment.content_type == "application/vnd.microsoft.card.adaptive"
    assert activity.summary.startswith("Le mandataire")


def test_card_actions_are_recognised() -> None:
    assert kit.card_action({"alliances_action": "feedback", "vote": "up"}).name == "feedback"
    assert kit.card_action({"other": 1}) is None
    assert kit.card_action("text") is None
    with pytest.raises(ValueError):
        kit.register_card_action("feedback", lambda data: "")


# --- reading activities -------------------------------------------------------------------


def activity(**fields) -> Activity:
    base = {
        "type": "message",
        "id": "1710000000001",
        "channelId": "msteams",
        "serviceUrl": "https://smba.trafficmanager.net/amer/",
        "from": {"id": "29:1abc", "name": "Marie", "aadObjectId": USER_AAD},
        "recipient": {"id": f"28:{APP_ID}", "name": "Alliances"},
    }
    return Activity.model_validate(base | fields)


def channel_activity(text: str, mentioned: bool = True) -> Activity:
    mention = {
        "type": "mention",
        "mentioned": {"id": f"28:{APP_ID}", "name": "Alliances"},
        "text": "<at>Alliances</at>",
    }
    entities = [mention] if mentioned else []
    return activity(
        text=text,
        entities=entities,
        conversation={
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT_ID,
            "id": "19:chan@thread.tacv2;messageid=1710000000000",
        },
        channelData={
            "channel": {"id": "19:chan@thread.tacv2", "name": "Général"},
            "team": {"id": "19:team@thread.tacv2", "name": "Équipe"},
            "tenant": {"id": TENANT_ID},
        },
    )


def test_channel_place_separates_channel_and_thread() -> None:
    place = place_of(channel_activity("<at>Alliances</at> bonjour"))
    assert place.kind == "channel"
    assert place.base_id == "19:chan@thread.tacv2" and place.thread_id == "1710000000000"
    assert place.team_id == "19:team@thread.tacv2" and place.tenant_id == TENANT_ID


def test_personal_place_and_user_id() -> None:
    message = activity(
        text="Bonjour",
        conversation={"conversationType": "personal", "tenantId": TENANT_ID, "id": "a:1xyz"},
    )
    place = place_of(message)
    assert place.kind == "personal" and place.base_id == "a:1xyz" and place.thread_id is None
    assert user_id_of(message) == USER_AAD


def test_mentions_are_stripped_and_detected() -> None:
    message = channel_activity(
        "<at>Alliances</at> Qui est&nbsp;le mandataire, <at>Pierre</at> ? <p></p>"
    )
    assert mentions_bot(message)
    assert plain_text(message) == "Qui est le mandataire, @Pierre ?"
    assert not mentions_bot(channel_activity("Bonjour", mentioned=False))


# --- conversation references --------------------------------------------------------------


def test_references_are_stored_per_channel_and_survive_reopening(tmp_path: Path) -> None:
    references = ConversationReferences(tmp_path / "state.db")
    stored = references.remember(channel_activity("<at>Alliances</at> bonjour"))
    assert stored.conversation_id == "19:chan@thread.tacv2"
    assert stored.reference.conversation.id == "19:chan@thread.tacv2"  # not the thread
    assert stored.reference.activity_id is None
    assert stored.team_name == "Équipe" and stored.channel_name == "Général"
    references.close()

    again = ConversationReferences(tmp_path / "state.db")
    found = again.get("19:chan@thread.tacv2;messageid=1710000000000")
    assert found is not None and found.installed
    assert found.reference.service_url == "https://smba.trafficmanager.net/amer/"
    again.mark_uninstalled(channel_activity("x"))
    assert again.all() == [] and len(again.all(installed_only=False)) == 1
    again.close()


# --- the app package ----------------------------------------------------------------------


def test_icons_are_pngs_of_the_sizes_teams_requires() -> None:
    assert png_size((MANIFEST_DIR / "color.png").read_bytes()) == (192, 192)
    assert png_size((MANIFEST_DIR / "outline.png").read_bytes()) == (32, 32)
    # the shipped files are what the generator draws
    assert (MANIFEST_DIR / "color.png").read_bytes() == color_icon()
    assert (MANIFEST_DIR / "outline.png").read_bytes() == outline_icon()


def test_manifest_is_filled_in(tmp_path: Path) -> None:
    manifest = render_manifest(APP_ID.upper(), "https://alliances.mon-organisme.qc.ca/")
    assert manifest["manifestVersion"] == "1.17" and "v1.17" in manifest["$schema"]
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["webApplicationInfo"]["id"] == APP_ID
    assert manifest["developer"]["privacyUrl"] == (
        "https://alliances.mon-organisme.qc.ca/confidentialite"
    )
    bot = manifest["bots"][0]
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert {s for entry in bot["commandLists"] for s in entry["scopes"]} == set(bot["scopes"])
    assert all(len(entry["commands"]) <= 10 for entry in bot["commandLists"])
    for entry in bot["commandLists"]:  # schema 1.17: titles ≤ 32, descriptions ≤ 128
        assert all(
            len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in entry["commands"]
        )
        titles = {command["title"] for command in entry["commands"]}
        assert {"projet nouveau", "projet maj", "projet voir", "projet liste"} <= titles
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["name"]["short"]) <= 30
    with pytest.raises(PackageError, match="GUID"):
        render_manifest("mon-bot")
    with pytest.raises(PackageError, match="https"):
        render_manifest(APP_ID, "http://alliances.example.org")


def test_package_zip_holds_manifest_and_icons_at_its_root(tmp_path: Path) -> None:
    out = build_package(tmp_path / "pkg" / "alliances.zip", APP_ID)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == APP_ID


def test_teams_package_command(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv(ID, raising=False)
    assert main(["teams-package", "--out", str(tmp_path / "a.zip")]) == 2
    assert "--app-id" in capsys.readouterr().err
    monkeypatch.setenv(ID, APP_ID)
    assert main(["teams-package", "--out", str(tmp_path / "a.zip")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "a.zip")
    assert main(["teams-package", "--app-id", "x", "--out", str(tmp_path / "b.zip")]) == 2
    assert "GUID" in capsys.readouterr().err
