"""Where things live: the shipped documents and the user's data folder."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

SHIPPED_DOCUMENTS = Path(__file__).resolve().parent / "documents"
MANIFEST_PATH = SHIPPED_DOCUMENTS / "manifest.json"


def data_home() -> Path:
    """The data folder: `ALLIANCES_HOME`, else the per-user data folder. Created if absent."""
    configured = os.environ.get("ALLIANCES_HOME")
    home = Path(configured).expanduser() if configured else Path(user_data_dir("alliances"))
    home.mkdir(parents=True, exist_ok=True)
    return home


def database_path(home: Path | None = None) -> Path:
    """The one SQLite file of a data folder: passages and their registry, sources, projects,
    digests, the answerer's quote vectors."""
    return (home or data_home()) / "alliances.db"
