"""Shared fixtures for the LangGraph integration tests: one real reference server per session.

The server runs in a subprocess on a loopback port with a SQLite file in a temporary
directory, so every test talks HTTP over a real socket. Tests isolate themselves by scope:
each ``aionis_client`` / ``aionis_async_client`` gets a fresh random scope.

``start_server_process`` runs ``aionis_server.testing.serve_in_thread`` inside the child
rather than the ``aionis-server`` CLI, whose socket lacks TCP_NODELAY (every response ~40 ms
late; see integrations/aionis_langgraph/NOTES.md). Switch to ``spawn_server`` once fixed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from aionis_sdk import AionisClient, AsyncAionisClient

_CHILD = """
import signal, sys, threading
from aionis_server.testing import serve_in_thread
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
with serve_in_thread(sys.argv[1]) as url:
    print("listening on", url, flush=True)
    stop.wait()
"""


@contextmanager
def start_server_process(db_path: str) -> Iterator[str]:
    """A reference server in a child process; yields its base URL, stops it on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, db_path],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        if match is None:
            raise RuntimeError(f"server did not start: {line!r}")
        yield match.group(1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture(scope="session")
def aionis_server_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("aionis-server") / "aionis.db"


@pytest.fixture(scope="session")
def aionis_server_url(aionis_server_db: Path) -> Iterator[str]:
    """Base URL of a reference server subprocess shared by the whole session."""
    with start_server_process(str(aionis_server_db)) as url:
        yield url


@pytest.fixture
def aionis_scope() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def aionis_client(aionis_server_url: str, aionis_scope: str) -> Iterator[AionisClient]:
    with AionisClient(base_url=aionis_server_url, scope=aionis_scope) as client:
        yield client


@pytest.fixture
async def aionis_async_client(
    aionis_server_url: str, aionis_scope: str
) -> AsyncIterator[AsyncAionisClient]:
    async with AsyncAionisClient(base_url=aionis_server_url, scope=aionis_scope) as client:
        yield client


@pytest.fixture(scope="session")
def aionis_server_process() -> type[object] | object:
    """``start_server_process`` itself, for tests that need their own server and db file."""
    return start_server_process
