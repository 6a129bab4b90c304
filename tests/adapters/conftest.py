"""Fixtures for the adapter tests: a real reference server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aionis_server.testing import serve_in_thread


@pytest.fixture(scope="session")
def aionis_url() -> Iterator[str]:
    """A reference server on a free loopback port (auth off, in-memory SQLite)."""
    with serve_in_thread(":memory:") as base_url:
        yield base_url
