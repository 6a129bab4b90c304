"""Whose records a store writes, and that it reads them back: a client without an agent id
(auth off), a store agent that differs from the client's, a client with a credential."""

from __future__ import annotations

import pytest
from store_suite import fresh_scope, server_mode, server_url

from aionis_langgraph.store import AionisStore, verify_namespace
from aionis_sdk import AionisClient, AsyncAionisClient

__all__ = ["server_mode", "server_url"]


def _versions(client: AionisClient, consumer: str) -> int:
    page = client.memory.find(
        type="evidence",
        slots_contains={"family": "store", "kind": "item"},
        consumer_agent_id=consumer,
        limit=200,
    )
    return len(page.nodes)


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast", "stock"])
def test_a_client_without_an_agent_id_keeps_every_overwrite(
    server_url: str, fast_path: bool
) -> None:
    """Regression: the store used to write such records private to the server's local actor
    and read without a consumer, so it never saw its own versions and every put after the
    first rewrote version 1 (and was dropped as a duplicate)."""
    with AionisClient(base_url=server_url, scope=fresh_scope()) as client:
        store = AionisStore(client, index={"fields": ["text"]}, fast_path=fast_path)
        for v in range(3):
            store.put(("users", "ada"), "prefs", {"text": f"version {v}", "v": v})
            item = store.get(("users", "ada"), "prefs")
            assert item is not None
            assert item.value["v"] == v
        assert [i.key for i in store.search(("users",))] == ["prefs"]
        assert store.list_namespaces() == [("users", "ada")]
        assert _versions(client, "langgraph") == 3  # owned by the default agent
        report = verify_namespace(client, ("users",))  # reads as the store's default agent
        assert report.ok
        assert report.checked >= 3


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast", "stock"])
def test_a_store_agent_other_than_the_clients_reads_its_own_records(
    server_url: str, fast_path: bool
) -> None:
    with AionisClient(base_url=server_url, agent_id="client-agent", scope=fresh_scope()) as c:
        store = AionisStore(c, agent_id="store-agent", fast_path=fast_path)
        store.put(("n",), "k", {"text": "one"})
        store.put(("n",), "k", {"text": "two"})
        got = store.get(("n",), "k")
        assert got is not None
        assert got.value == {"text": "two"}
        assert [i.key for i in store.search(("n",))] == ["k"]
        assert _versions(c, "store-agent") == 2
        assert _versions(c, "client-agent") == 0  # private to the store's agent
        assert c.config.agent_id == "client-agent"  # the caller's client is not changed
        assert verify_namespace(c, ("n",), agent_id="store-agent").checked >= 2
        assert verify_namespace(c, ("n",)).checked == 0  # the client's agent sees none


async def test_a_client_with_a_credential_leaves_the_owner_to_the_server() -> None:
    async with AsyncAionisClient(base_url="http://127.0.0.1:9", bearer_token="t") as aclient:
        with AionisClient(base_url="http://127.0.0.1:9", api_key="k") as client:
            store = AionisStore(client, aclient=aclient)
            assert store._settings.identity is None
            assert store._client is client
            assert store._aclient is aclient
        with AionisClient(base_url="http://127.0.0.1:9") as bare:
            settings = AionisStore(bare)._settings
            assert settings.identity is not None
            assert settings.identity.agent_id == "langgraph"
