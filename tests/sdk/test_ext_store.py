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
]


@pytest.mark.parametrize(
    ("call", "path", "expected", "model"), CASES, ids=["heads", "search", "ns"]
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
        async with AsyncAionisClient(base_url=off, agent_id="me") as c:
            with pytest.raises(NotFoundError):
                await c.ext_store.search()

    asyncio.run(main())
