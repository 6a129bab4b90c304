"""On a server with API keys, a saver, a store and verify over clients that carry only the key
(no agent_id) work as the key's agent: the server fills in the owner and the consumer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from aionis_langgraph.checkpoint import AionisSaver
from aionis_langgraph.store import AionisStore, verify_namespace
from aionis_langgraph.verify import verify_thread
from aionis_sdk import AionisClient
from aionis_server.config import ApiKeyPrincipal
from aionis_server.testing import serve_in_thread

KEYS = {
    "key-alice": ApiKeyPrincipal(tenant_id="acme", agent_id="alice"),
    "key-bob": ApiKeyPrincipal(tenant_id="acme", agent_id="bob"),
}


class S(TypedDict):
    n: int


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(auth_mode="api_key", api_keys=KEYS, embedding_dim=32) as base_url:
        yield base_url


def _graph() -> StateGraph[S]:
    builder = StateGraph(S)
    builder.add_node("inc", lambda s: {"n": s["n"] + 1})
    builder.add_edge(START, "inc")
    builder.add_edge("inc", END)
    return builder


def test_saver_with_only_a_key(url: str) -> None:
    config = {"configurable": {"thread_id": "t-key"}}
    with AionisClient(base_url=url, api_key="key-alice", scope="auth-saver") as alice:
        graph = _graph().compile(checkpointer=AionisSaver(alice))
        assert graph.invoke({"n": 1}, config) == {"n": 2}
        assert graph.get_state(config).values == {"n": 2}
        assert verify_thread(alice, "t-key").ok
    with AionisClient(base_url=url, api_key="key-bob", scope="auth-saver") as bob:
        assert AionisSaver(bob).get_tuple(config) is None  # private to alice


def test_store_with_only_a_key(url: str) -> None:
    with AionisClient(base_url=url, api_key="key-alice", scope="auth-store") as alice:
        store = AionisStore(alice)
        store.put(("users", "ada"), "prefs", {"text": "one"})
        store.put(("users", "ada"), "prefs", {"text": "two"})
        got = store.get(("users", "ada"), "prefs")
        assert got is not None
        assert got.value == {"text": "two"}
        assert verify_namespace(alice, ("users",)).ok
    with AionisClient(base_url=url, api_key="key-bob", scope="auth-store") as bob:
        assert AionisStore(bob).get(("users", "ada"), "prefs") is None
