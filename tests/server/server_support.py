"""Helpers shared by the core server tests: a live server and the spec's test-vector write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from aionis_server.testing import serve_in_thread

VECTOR_WRITE: dict[str, Any] = {
    "input_text": "User prefers pytest over unittest for python projects",
    "nodes": [
        {"client_id": "evt_1", "type": "event", "text_summary": "prefers pytest"},
        {
            "client_id": "ent_pytest",
            "type": "entity",
            "title": "pytest",
            "slots": {"lang": "python"},
        },
    ],
    "edges": [
        {"type": "related_to", "src": {"client_id": "evt_1"}, "dst": {"client_id": "ent_pytest"}}
    ],
}
LOCAL = {"consumer_agent_id": "local-user"}


@contextmanager
def live_client(**config: Any) -> Iterator[httpx.Client]:
    """An httpx client bound to a fresh in-memory server in a background thread."""
    db_path = config.pop("db_path", ":memory:")
    with (
        serve_in_thread(db_path, **config) as base_url,
        httpx.Client(base_url=base_url, timeout=30) as client,
    ):
        yield client


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert body["status"] == response.status_code
    assert body["details"]["contract"] == "error_v1"
    code: str = body["error"]
    return code
