"""`alliances teams-package`: the Teams app package (a zip to upload in Teams).

The package holds bot/manifests/teams/manifest.json, with `{{APP_ID}}` replaced by the bot's
Microsoft app id (the Azure Bot's « ID d'application Microsoft », the same
CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID as `alliances serve`) and `{{BASE_URL}}`
by the organisation's site (developer, privacy and terms pages), and the two icons
(color.png 192×192, outline.png 32×32), all at the root of the zip as Teams requires.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.settings import TEAMS_CLIENT_ID_ENV

MANIFEST_DIR = Path(__file__).resolve().parent.parent / "manifests" / "teams"
DEFAULT_OUT = Path("alliances-teams.zip")
DEFAULT_BASE_URL = "https://alliances.example.org"
ICONS = {"color.png": (192, 192), "outline.png": (32, 32)}
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
USAGE_ERROR = 2


class PackageError(ValueError):
    """A bad app id or URL; str() is a French sentence."""


def render_manifest(app_id: str, base_url: str = DEFAULT_BASE_URL) -> dict[str, Any]:
    """The manifest with the app id and base URL filled in."""
    if not _GUID.match(app_id or ""):
        raise PackageError(
            f"ID d'application invalide : « {app_id} ». Attendu le GUID « ID d'application "
            "Microsoft » de la ressource Azure Bot (ex. 00000000-0000-0000-0000-000000000000)."
        )
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        raise PackageError(
            f"Adresse invalide : « {base_url} ». Teams exige une adresse https, par exemple "
            "https://alliances.mon-organisme.qc.ca"
        )
    template = (MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8")
    text = template.replace("{{APP_ID}}", app_id.lower()).replace(
        "{{BASE_URL}}", base_url.rstrip("/")
    )
    manifest = json.loads(text)
    if "{{" in text:
        raise PackageError("manifest.json contient encore un paramètre {{…}} non remplacé.")
    return manifest


def build_package(out: Path, app_id: str, base_url: str = DEFAULT_BASE_URL) -> Path:
    """Write the Teams app package to `out`; returns its path."""
    manifest = render_manifest(app_id, base_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        for name in ICONS:
            archive.write(MANIFEST_DIR / name, arcname=name)
    return out


def run(args: argparse.Namespace) -> int:
    """The `alliances teams-package` command (bot/cli.py)."""
    app_id = (args.app_id or os.environ.get(TEAMS_CLIENT_ID_ENV, "")).strip()
    if not app_id:
        print(
            f"alliances: précisez l'ID d'application du bot : --app-id GUID ou la variable "
            f"{TEAMS_CLIENT_ID_ENV}.",
            file=sys.stderr,
        )
        return USAGE_ERROR
    try:
        path = build_package(Path(args.out), app_id, args.base_url)
    except PackageError as error:
        print(f"alliances: {error}", file=sys.stderr)
        return USAGE_ERROR
    print(path)
    return 0
