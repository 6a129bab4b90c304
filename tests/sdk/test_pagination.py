"""Auto-paging iterators for find, sessions and session events, sync and async."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import respx
from conftest import Handle, sample

import aionis_sdk.types as t


def _pager(
    model: type, key: str, total: int, item: Callable[[int], dict[str, Any]]
) -> Callable[[httpx.Request], httpx.Response]:
    """A server answering pages of ``total`` items, reading limit/offset from body or query."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            args: dict[str, Any] = dict(request.url.params)
        else:
            args = json.loads(request.content)
        limit, offset = int(args.get("limit", 20)), int(args.get("offset", 0))
        items = [item(i) for i in range(offset, min(total, offset + limit))]
        page = {
            "limit": limit,
            "offset": offset,
            "returned": len(items),
            "has_more": offset + limit < total,
        }
        return httpx.Response(200, json={**sample(model), key: items, "page": page})

    return handler


def test_find_all_follows_has_more(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(
        side_effect=_pager(t.FindResponse, "nodes", 7, lambda i: {"id": f"n{i}"})
    )
    nodes = client.collect(lambda c: c.memory.find_all(type="event", limit=3))
    assert [n.id for n in nodes] == [f"n{i}" for i in range(7)]
    assert isinstance(nodes[0], t.NodeDTO)
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert [b["offset"] for b in bodies] == [0, 3, 6]
    assert all(b["type"] == "event" and b["limit"] == 3 for b in bodies)


def test_find_all_from_a_request_model_and_offset(client: Handle, router: respx.MockRouter) -> None:
    router.post("/v1/memory/find").mock(
        side_effect=_pager(t.FindResponse, "nodes", 5, lambda i: {"id": f"n{i}"})
    )
    nodes = client.collect(lambda c: c.memory.find_all(t.FindRequest(limit=2, offset=1)))
    assert [n.id for n in nodes] == ["n1", "n2", "n3", "n4"]


def test_find_all_single_empty_page(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(
        side_effect=_pager(t.FindResponse, "nodes", 0, lambda i: {"id": "x"})
    )
    assert client.collect(lambda c: c.memory.find_all()) == []
    assert route.call_count == 1


def test_list_all_sessions(client: Handle, router: respx.MockRouter) -> None:
    def session(i):
        return {
            "session_id": f"s{i}",
            "node_id": f"id{i}",
            "uri": "u",
            "title": "t",
            "text_summary": "x",
            "event_count": 0,
        }

    route = router.get("/v1/memory/sessions").mock(
        side_effect=_pager(t.ListSessionsResponse, "sessions", 5, session)
    )
    sessions = client.collect(lambda c: c.sessions.list_all(limit=2))
    assert [s.session_id for s in sessions] == [f"s{i}" for i in range(5)]
    assert [call.request.url.params["offset"] for call in route.calls] == ["0", "2", "4"]


def test_events_all(client: Handle, router: respx.MockRouter) -> None:
    event = lambda i: {"id": f"e{i}", "uri": "u", "event_id": f"ev{i}", "type": "event"}  # noqa: E731
    route = router.get("/v1/memory/sessions/s1/events").mock(
        side_effect=_pager(t.ListEventsResponse, "events", 4, event)
    )
    events = client.collect(lambda c: c.sessions.events_all(session_id="s1", limit=3))
    assert [e.id for e in events] == ["e0", "e1", "e2", "e3"]
    assert route.call_count == 2


def test_paging_is_lazy(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(
        side_effect=_pager(t.FindResponse, "nodes", 10, lambda i: {"id": f"n{i}"})
    )
    client.call(lambda c: c.memory.find_all(limit=2))  # building the iterator sends nothing
    assert route.call_count == 0
