"""The `alliances` command as users run it: a real process, real stdout and stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALLIANCES_HOME": str(home), "ALLIANCES_CHROMA_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
        timeout=timeout,
    )


def test_ask_json_prints_exactly_one_object(home_copy: Path) -> None:
    done = run_cli(
        home_copy, "ask", "Quel organisme est mandataire de l'Alliance en Mauricie ?", "--json"
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)  # the whole stdout is one JSON object
    assert payload["abstained"] is False
    assert "Consortium en développement social de la Mauricie" in payload["answer"]
    assert {"title", "source", "section", "score"} <= payload["sources"][0].keys()
    assert "total_ms" in payload["timings_ms"]


def test_abstention_exits_zero(home_copy: Path) -> None:
    done = run_cli(home_copy, "ask", "Qui est le mandataire en Ontario ?", "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["abstained"] is True


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("ask", ""), "question est vide"),
        (("ask", "x" * 20_000), "trop longue"),
        (("ask", "mandataire ?", "--region", "Mauricy"), "Mauricie"),
        (("ask", "mandataire ?", "--plan", "PAGIEP"), "PAGIEPS"),
        (("search", "mandataire", "-k", "0"), "-k"),
        (("frobnicate",), "invalid choice"),
    ],
)
def test_bad_usage_is_one_line_on_stderr(tmp_path: Path, args: tuple[str, ...], expected: str):
    done = run_cli(tmp_path / "empty-home", *args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
    assert "Traceback" not in done.stderr


def test_ingest_reports_bad_files_and_goes_on(home_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "bon.md").write_text("# Bon\nLe projet Lucioles soutient les familles.\n")
    (folder / "faux.pdf").write_text("ceci n'est pas un PDF")
    (folder / "binaire.txt").write_bytes(b"\x00\xff" * 100)
    done = run_cli(home_copy, "ingest", str(folder), "--quiet")
    assert done.returncode == 1
    assert "1 ajouté(s)" in done.stdout
    assert "faux.pdf" in done.stderr and "binaire.txt" in done.stderr
    assert "Traceback" not in done.stderr


def test_search_json(home_copy: Path) -> None:
    done = run_cli(home_copy, "search", "securite alimentaire", "-k", "3", "--json")
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)["hits"]
    assert 1 <= len(hits) <= 3


def test_sources_lists_what_a_user_document_says_about_itself(
    home_copy: Path, tmp_path: Path
) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Alliance pour la solidarité de l'Estrie 2024-2029</title>"
        '<link rel="canonical" href="https://example.org/estrie?a=1&amp;dinitiatives=2">'
        "</head><body><div class='cookie-banner'>Ce site utilise des témoins.</div><main>"
        "<p>La Table des MRC de l'Estrie est mandataire de l'Alliance pour la solidarité "
        "de l'Estrie pour 2024-2029. Elle dispose de 6 200 000 $ pour financer des projets "
        "à Sherbrooke et dans les MRC de la région.</p></main></body></html>",
        encoding="utf-8",
    )
    assert run_cli(home_copy, "ingest", str(page), "--quiet").returncode == 0
    done = run_cli(home_copy, "sources", "--region", "Estrie", "--json")
    assert done.returncode == 0, done.stderr
    listed = [json.loads(line) for line in done.stdout.splitlines()]
    (mine,) = [s for s in listed if s["title"].startswith("Alliance pour la solidarité de l'E")]
    assert mine["url"] == "https://example.org/estrie?a=1&dinitiatives=2"
    assert mine["periods"] == ["2024-2029"] and mine["regions"] == ["Estrie"]
    bad = run_cli(home_copy, "sources", "--region", "Atlantide")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
