"""Shared fixtures for the LangGraph integration tests: one real reference server per session.

The server runs in a subprocess on a loopback port with a SQLite file in a temporary
directory, so every test talks HTTP over a real socket. Tests isolate themselves by scope:
each ``aionis_client`` / ``aionis_async_client`` gets a fresh random scope.

``start_server_process`` (also a fixture, ``aionis_server_process``) starts another server on
a database file of the test's choosing, e.g. to tamper with it between runs.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from aionis_sdk import AionisClient, AsyncAionisClient
from aionis_server.testing import spawn_server


@contextmanager
def start_server_process(db_path: str) -> Iterator[str]:
    """An ``aionis-server`` subprocess on ``db_path``; yields its base URL, stops it on exit."""
    with spawn_server(db_path) as url:
        yield url


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
