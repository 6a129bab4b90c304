"""Runtime behaviour behind the typed keyword arguments, sync and async.

The ``TypedDict`` s cost nothing at runtime; these check that what they promise works:
payloads typed as ``XxxParams`` (options included) unpack into a call, nested dicts and
models mix, and paged calls accept every per-call option with a request model.
"""

from __future__ import annotations

import json

import respx
from conftest import Handle, ok

import aionis_sdk.types as t
from aionis_sdk.types.params import FindParams, WriteNodeParam, WriteParams


def test_a_typed_payload_with_options_unpacks(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/write").mock(return_value=ok(t.WriteResponse))
    node: WriteNodeParam = {"client_id": "a", "type": "event", "title": None}
    payload: WriteParams = {
        "input_text": "hi",
        "nodes": [node, t.WriteNode(client_id="b", type="entity")],
        "edges": [
            {"type": "related_to", "src": {"client_id": "a"}, "dst": t.EdgeEndpoint(client_id="b")}
        ],
        "request_id": "rid-7",
        "extra_headers": {"x-extra": "1"},
    }
    client.call(lambda c: c.memory.write(**payload))
    request = route.calls.last.request
    body = json.loads(request.content)
    assert body["nodes"] == [
        {"client_id": "a", "type": "event"},
        {"client_id": "b", "type": "entity"},
    ]
    assert body["edges"] == [
        {"type": "related_to", "src": {"client_id": "a"}, "dst": {"client_id": "b"}}
    ]
    assert "request_id" not in body
    assert "extra_headers" not in body
    assert request.headers["x-request-id"] == "rid-7"
    assert request.headers["x-extra"] == "1"


def test_tuples_are_accepted_where_sequences_are_typed(
    client: Handle, router: respx.MockRouter
) -> None:
    route = router.post("/v1/memory/tools/select").mock(return_value=ok(t.ToolsSelectResponse))
    client.call(lambda c: c.tools.select(candidates=("search", "calc")))
    assert json.loads(route.calls.last.request.content)["candidates"] == ["search", "calc"]


def test_paged_call_takes_every_option_with_a_model(
    client: Handle, router: respx.MockRouter
) -> None:
    route = router.post("/v1/memory/find").mock(return_value=ok(t.FindResponse))
    nodes = client.collect(
        lambda c: c.memory.find_all(
            t.FindRequest(type="event"), request_id="paged", extra_body={"x": 1}
        )
    )
    assert nodes == []
    request = route.calls.last.request
    assert request.headers["x-request-id"] == "paged"
    assert json.loads(request.content)["x"] == 1


def test_paged_keywords_from_a_typed_dict(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(return_value=ok(t.FindResponse))
    query: FindParams = {"text_contains": "tea", "limit": 5, "timeout": 3.0}
    assert client.collect(lambda c: c.memory.find_all(**query)) == []
    assert json.loads(route.calls.last.request.content)["text_contains"] == "tea"
