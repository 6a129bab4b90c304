"""DirectRoutes: fixed-path endpoints served ahead of FastAPI's router answer exactly as routed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aionis_server.app import create_app
from aionis_server.direct_routes import DirectRoutes, direct_table, takes_only_request
from aionis_server.routes import all_routers


def _direct_middleware(app: FastAPI) -> Any:
    (entry,) = [m for m in app.user_middleware if m.cls is DirectRoutes]
    return entry


def _routed_only(app: FastAPI) -> FastAPI:
    """``app`` with an empty direct table: every request goes through FastAPI's router."""
    _direct_middleware(app).kwargs["table"].clear()
    return app


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[TestClient, TestClient]]:
    with (
        TestClient(create_app(), raise_server_exceptions=False) as direct,
        TestClient(_routed_only(create_app()), raise_server_exceptions=False) as routed,
    ):
        yield direct, routed


def test_table_holds_every_fixed_path_route_of_the_api() -> None:
    routes = [route for router in all_routers() for route in router.routes]
    table = direct_table(routes)
    assert ("POST", "/v1/memory/write") in table
    assert ("POST", "/v1/memory/find") in table
    assert ("GET", "/health") in table
    assert ("GET", "/v1/memory/sessions") in table
    assert ("POST", "/v1/memory/sessions") in table
    assert all("{" not in path for _, path in table)
    fixed = {
        (method, route.path)
        for route in routes
        for method in getattr(route, "methods", ())
        if "{" not in route.path
    }
    assert set(table) == fixed  # every fixed-path route of the API takes only the request
    assert not any(path.startswith("/v1/memory/sessions/") for _, path in table)


async def _ok(request: Request) -> Response:
    return Response()


async def _two(request: Request, extra: int) -> Response:
    return Response()


async def _untyped(request):  # type: ignore[no-untyped-def]
    return Response()


async def _other_type(request: int) -> Response:
    return Response()


def _sync(request: Request) -> Response:
    return Response()


async def _keyword_only(*, request: Request) -> Response:
    return Response()


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        (_ok, True),
        (_two, False),
        (_untyped, False),
        (_other_type, False),
        (_sync, False),
        (_keyword_only, False),
    ],
)
def test_only_request_taking_coroutines_qualify(endpoint: Any, expected: bool) -> None:
    assert takes_only_request(endpoint) is expected
    table = direct_table([Route("/x", endpoint, methods=["POST"])])
    assert (("POST", "/x") in table) is expected


def test_path_parameters_are_left_to_the_router() -> None:
    assert direct_table([Route("/items/{item_id}", _ok, methods=["GET"])]) == {}


WRITE = {
    "input_text": "direct routes",
    "memory_lane": "shared",
    "nodes": [{"client_id": "d1", "type": "event", "text_summary": "hello"}],
}

# (method, path, body bytes or None, content type or None, headers)
CASES: list[tuple[str, str, bytes | None, str | None]] = [
    ("POST", "/v1/memory/write", b"{not json", "application/json"),
    ("POST", "/v1/memory/write", b"[1]", "application/json"),
    ("POST", "/v1/memory/write", b'{"input_text": 5}', "application/json"),
    ("POST", "/v1/memory/write", b'{"input_text": "x", "tenant_id": ["a"]}', "application/json"),
    ("POST", "/v1/memory/find", b"{}", "text/plain"),
    ("POST", "/v1/memory/find", b'{"limit": -1}', "application/json"),
    ("POST", "/v1/memory/resolve", b'{"uri": "file:///etc/passwd"}', "application/json"),
    ("POST", "/v1/memory/recall_text", b'{"query_text": ""}', "application/json"),
    ("GET", "/v1/memory/write", None, None),  # not in the table: the router's 405
    ("POST", "/v1/memory/writ", b"{}", "application/json"),  # 404
    ("PUT", "/health", b"", None),  # 405
    ("GET", "/v1/memory/sessions/nope/events", None, None),  # path parameter: routed
]


def _send(client: TestClient, method: str, path: str, body: bytes | None, ctype: str | None) -> Any:
    headers = {"x-request-id": "rid-direct"}
    if ctype:
        headers["content-type"] = ctype
    return client.request(method, path, content=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "ctype"), CASES)
def test_direct_and_routed_answer_alike(
    clients: tuple[TestClient, TestClient],
    method: str,
    path: str,
    body: bytes | None,
    ctype: str | None,
) -> None:
    direct, routed = (_send(c, method, path, body, ctype) for c in clients)
    assert direct.status_code == routed.status_code
    assert direct.json() == routed.json()
    for name in ("content-type", "x-request-id", "allow"):
        assert direct.headers.get(name) == routed.headers.get(name)
    assert direct.headers["x-request-id"] == "rid-direct"


def test_successful_calls_match_in_shape(clients: tuple[TestClient, TestClient]) -> None:
    direct, routed = clients
    for client in clients:
        assert client.post("/v1/memory/write", json=WRITE).status_code == 200
    a = direct.post("/v1/memory/find", json={"client_id": "d1"}).json()
    b = routed.post("/v1/memory/find", json={"client_id": "d1"}).json()
    assert [n["client_id"] for n in a["nodes"]] == [n["client_id"] for n in b["nodes"]] == ["d1"]
    assert set(a) == set(b)
    assert direct.get("/health").json() == routed.get("/health").json()
    assert direct.head("/health").status_code == routed.head("/health").status_code


def test_crash_in_a_direct_endpoint_is_a_500_envelope(monkeypatch: pytest.MonkeyPatch) -> None:
    from aionis_server.routes import write as write_route

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret stack detail")

    monkeypatch.setattr(write_route, "write", explode)
    app = create_app()
    assert ("POST", "/v1/memory/write") in _direct_middleware(app).kwargs["table"]
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/v1/memory/write", json=WRITE, headers={"x-request-id": "rid-500"})
    assert r.status_code == 500
    assert r.json()["error"] == "internal_error"
    assert "secret" not in r.text
    assert r.headers["x-request-id"] == "rid-500"
