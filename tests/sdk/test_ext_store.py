"""``client.ext_store``: the optional ``ext.store_index`` calls, sync and async.

Wire shape against a mock (paths, bodies, identity injection, typed responses), then a real
reference server with the extension on (typed answers) and off (``NotFoundError``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
import respx
from conftest import Handle, ok

import aionis_sdk.types as t
from aionis_sdk import AionisClient, AsyncAionisClient, NotFoundError
from aionis_server.testing import serve_in_thread

CASES = [
    (
        lambda c: c.ext_store.heads(items=["i1", "i2"]),
        "/v1/ext/store/heads",
        {"items": ["i1", "i2"]},
        t.ExtStoreHeadsResponse,
    ),
    (
        lambda c: c.ext_store.search(
            namespace_prefix=["a"],
            filter={"x": {"$gt": 1}, "y": None},
            limit=5,
            now="2026-01-01T00:00:00Z",
        ),
        "/v1/ext/store/search",
        {
            "namespace_prefix": ["a"],
            "filter": {"x": {"$gt": 1}, "y": None},
            "limit": 5,
            "now": "2026-01-01T00:00:00Z",
        },
        t.ExtStoreSearchResponse,
    ),
    (
        lambda c: c.ext_store.namespaces(namespace_prefix=["a", "b"]),
        "/v1/ext/store/namespaces",
        {"namespace_prefix": ["a", "b"]},
        t.ExtStoreNamespacesResponse,
    ),
    (
        lambda c: c.ext_store.watch(after=3, epoch="e1", timeout_ms=250, limit=7),
        "/v1/ext/store/watch",
        {"after": 3, "epoch": "e1", "timeout_ms": 250, "limit": 7},
        t.ExtStoreWatchResponse,
    ),
]


@pytest.mark.parametrize(
    ("call", "path", "expected", "model"), CASES, ids=["heads", "search", "ns", "watch"]
)
def test_wire_shape_and_identity(
    make_client: Any,
    router: respx.MockRouter,
    call: Any,
    path: str,
    expected: dict[str, Any],
    model: Any,
) -> None:
    client: Handle = make_client(agent_id="me", scope="sc")
    route = router.post(path).mock(return_value=ok(model, request_id="r1"))
    result = client.call(call)
    assert route.call_count == 1
    sent = json.loads(route.calls.last.request.content)
    assert sent == {**expected, "consumer_agent_id": "me", "scope": "sc"}
    assert isinstance(result, model)
    assert result.request_id == "r1"


def test_invalid_input_fails_before_io(client: Handle, router: respx.MockRouter) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        client.call(lambda c: c.ext_store.heads(items=[]))
    with pytest.raises(ValidationError):
        client.call(lambda c: c.ext_store.search(limit=0))
    assert not router.calls


@pytest.mark.parametrize(
    ("kwargs", "read_s"),
    [
        ({"after": 1, "timeout_ms": 2500}, 7.5),  # the client's 5 s read timeout + the wait
        ({"after": 1}, 15.0),  # the server's default wait, 10 s
        ({"after": 1, "timeout_ms": 2500, "timeout": 1.0}, 1.0),  # a timeout given wins
    ],
)
def test_watch_read_timeout_outlasts_the_wait(
    make_client: Any, router: respx.MockRouter, kwargs: dict[str, Any], read_s: float
) -> None:
    client: Handle = make_client(timeout=5.0)
    route = router.post("/v1/ext/store/watch").mock(return_value=ok(t.ExtStoreWatchResponse))
    client.call(lambda c: c.ext_store.watch(**kwargs))
    assert route.calls.last.request.extensions["timeout"]["read"] == read_s


def test_watch_with_a_request_model_gets_the_long_timeout(
    make_client: Any, router: respx.MockRouter
) -> None:
    client: Handle = make_client(timeout=5.0)
    route = router.post("/v1/ext/store/watch").mock(return_value=ok(t.ExtStoreWatchResponse))
    client.call(lambda c: c.ext_store.watch(t.ExtStoreWatchRequest(after=0, timeout_ms=1000)))
    assert route.calls.last.request.extensions["timeout"]["read"] == 6.0
    assert json.loads(route.calls.last.request.content)["timeout_ms"] == 1000


def _version_node(item: str, seq: int, ns: list[str], value: dict[str, Any]) -> dict[str, Any]:
    record = {
        "family": "store",
        "kind": "item",
        "item": item,
        "key": item,
        "seq": seq,
        "ns": ns,
        "op": "put",
        "value": value,
    }
    return {"client_id": f"lgstore:{item}:{seq}", "type": "evidence", "slots": record}


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str]]:
    with (
        serve_in_thread(embedding_dim=32) as on,
        serve_in_thread(embedding_dim=32, ext_store_index=False) as off,
    ):
        yield on, off


def test_sync_client_against_a_real_server(servers: tuple[str, str]) -> None:
    on, off = servers
    with AionisClient(base_url=on, agent_id="me", scope="sdk-sync") as c:
        assert c.health().has_capability("ext.store_index")
        c.memory.write(input_text="v", nodes=[_version_node("k", 1, ["a", "b"], {"n": 1})])
        c.memory.write(input_text="v", nodes=[_version_node("k", 2, ["a", "b"], {"n": 2})])
        heads = c.ext_store.heads(items=["k", "missing"])
        assert heads.heads[1] is None
        assert heads.heads[0] is not None
        assert heads.heads[0].slots["value"] == {"n": 2}
        found = c.ext_store.search(namespace_prefix=["a"], filter={"n": {"$gte": 2}})
        assert [i.version.slots["seq"] for i in found.items] == [2]
        assert found.items[0].score is None
        assert found.page.has_more is False
        assert c.ext_store.namespaces().namespaces == [["a", "b"]]
        start = c.ext_store.watch()
        assert start.changes == []
        assert not start.reset
        c.memory.write(input_text="v", nodes=[_version_node("k", 3, ["a", "b"], {"n": 3})])
        seen = c.ext_store.watch(after=start.position, epoch=start.epoch, timeout_ms=5000)
        assert [(ch.item, ch.namespace) for ch in seen.changes] == [("k", ["a", "b"])]
        assert seen.changes[0].version == "lgstore:k:3"
        assert seen.position > start.position
        assert seen.epoch == start.epoch
        assert c.ext_store.watch(after=start.position, epoch="another").reset
    with AionisClient(base_url=off, agent_id="me") as c:
        assert not c.health().has_capability("ext.store_index")
        with pytest.raises(NotFoundError) as err:
            c.ext_store.heads(items=["k"])
        assert err.value.code == "route_not_found"


def test_async_client_against_a_real_server(servers: tuple[str, str]) -> None:
    on, off = servers

    async def main() -> None:
        async with AsyncAionisClient(base_url=on, agent_id="me", scope="sdk-async") as c:
            await c.memory.write(input_text="v", nodes=[_version_node("k", 1, ["z"], {"n": 1})])
            heads = await c.ext_store.heads(items=["k"])
            assert heads.heads[0] is not None
            assert heads.heads[0].slots["seq"] == 1
            found = await c.ext_store.search(namespace_prefix=["z"])
            assert [i.version.client_id for i in found.items] == ["lgstore:k:1"]
            assert (await c.ext_store.namespaces()).namespaces == [["z"]]
            start = await c.ext_store.watch()
            waiting = asyncio.ensure_future(
                c.ext_store.watch(after=start.position, timeout_ms=5000)
            )
            await c.memory.write(input_text="v", nodes=[_version_node("k", 2, ["z"], {"n": 2})])
            seen = await waiting
            assert [(ch.item, ch.namespace) for ch in seen.changes] == [("k", ["z"])]
        async with AsyncAionisClient(base_url=off, agent_id="me") as c:
            with pytest.raises(NotFoundError):
                await c.ext_store.search()

    asyncio.run(main())
