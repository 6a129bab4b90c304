"""Hostile input: typed 4xx, never 500, and the server stays healthy (issue 3)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from server_support import live_client

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with live_client() as c:
        yield c


def raw(
    client: httpx.Client, path: str, content: bytes, ctype: str | None = "application/json"
) -> httpx.Response:
    headers = {"content-type": ctype} if ctype else {}
    return client.post(path, content=content, headers=headers)


def expect(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text[:300]
    body = r.json()
    assert body["error"] == code
    assert body["details"]["contract"] == "error_v1"
    assert r.headers["x-request-id"]


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b'{"a": NaN}', 400, "invalid_json"),
        (b'{"a": 1e999}', 400, "invalid_json"),
        (b"\xff\xfe{}", 400, "invalid_json"),
        (b"[1,2,3]", 400, "invalid_request"),
        (b'"string"', 400, "invalid_request"),
        (b"null", 400, "invalid_request"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "invalid_json"),
        (b'{"a":' * 500 + b"1" + b"}" * 500, 400, "invalid_request"),
        (b'{"input_text": "\\ud800"}', 400, "invalid_request"),
        (b'{"input_text": 5}', 400, "invalid_request"),
        (b'{"input_text": "x", "nodes": {"0": 1}}', 400, "invalid_request"),
        (
            b'{"input_text": "x", "nodes": [' + b",".join([b"1"] * 100_000) + b"]}",
            400,
            "invalid_request",
        ),
        (b'{"input_text": "x", "tenant_id": ["a"]}', 400, "invalid_tenant_id"),
        (b'{"input_text": "x", "scope": {"a": 1}}', 400, "invalid_scope"),
        (
            b'{"input_text": "x", "nodes": [{"type": "event", "salience": 7}]}',
            400,
            "invalid_request",
        ),
        (b'{"input_text": "x", "parent_commit_id": "../../etc/passwd"}', 400, "invalid_request"),
    ],
)
def test_bad_write_bodies(client: httpx.Client, content: bytes, status: int, code: str) -> None:
    expect(raw(client, "/v1/memory/write", content), status, code)


def test_non_object_issue_path(client: httpx.Client) -> None:
    r = raw(client, "/v1/memory/find", b"[]")
    assert r.json()["issues"][0]["path"] == ""


def test_oversized_bodies(client: httpx.Client) -> None:
    big = json.dumps({"input_text": "x" * (5 * MiB + 10)}).encode()
    r = raw(client, "/v1/memory/write", big)
    expect(r, 413, "payload_too_large")
    assert r.json()["details"]["limit_bytes"] == 5 * MiB

    def chunks() -> Iterator[bytes]:  # chunked: no content-length to trust
        for _ in range(6):
            yield b" " * MiB

    r = client.post(
        "/v1/memory/write", content=chunks(), headers={"content-type": "application/json"}
    )
    expect(r, 413, "payload_too_large")


def test_media_types_and_empty_bodies(client: httpx.Client) -> None:
    expect(raw(client, "/v1/memory/find", b"{}", "text/plain"), 415, "unsupported_media_type")
    expect(raw(client, "/v1/memory/find", b"{}", None), 415, "unsupported_media_type")
    assert (
        raw(client, "/v1/memory/find", b"{}", "application/json; charset=utf-8").status_code == 200
    )
    assert raw(client, "/v1/memory/find", b"", None).status_code == 200  # empty body means {}


def test_routes_and_methods(client: httpx.Client) -> None:
    for path in (
        "/v1/memory/replay/run/start",
        "/v1/handoff/store",
        "/v1/admin/control/tenants",
        "/v1/memory/patterns/suppress",
        "/nope",
    ):
        r = client.post(path, json={})
        expect(r, 404, "route_not_found")
        assert r.json()["details"]["path"] == path
        assert r.json()["details"]["method"] == "POST"
    r = client.get("/v1/memory/write")
    expect(r, 405, "method_not_allowed")
    assert "POST" in r.headers["allow"]


def test_request_ids(client: httpx.Client) -> None:
    assert (
        client.get("/health", headers={"x-request-id": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    assert client.post("/nope", headers={"x-request-id": "e1"}).headers["x-request-id"] == "e1"
    replaced = client.get("/health", headers={"x-request-id": "y" * 300}).headers["x-request-id"]
    assert len(replaced) == 36


def test_odd_unicode_is_stored_faithfully(client: httpx.Client) -> None:
    title = "nul\x00 emoji \U0001f600 rtl \u202e zero\u200bwidth"
    body = {
        "input_text": "odd",
        "memory_lane": "shared",
        "nodes": [{"client_id": "../../etc/passwd", "type": "entity", "title": title}],
    }
    w = client.post("/v1/memory/write", json=body)
    assert w.status_code == 200
    found = client.post("/v1/memory/find", json={"client_id": "../../etc/passwd"}).json()["nodes"]
    assert found[0]["title"] == title


def test_hostile_uris(client: httpx.Client) -> None:
    for uri in (
        "aionis://default/default/event/../../../etc/passwd",
        "file:///etc/passwd",
        "aionis://%00/x/event/1",
        "aionis://a/b/c/d/e",
    ):
        r = client.post("/v1/memory/resolve", json={"uri": uri})
        assert r.status_code == 400
        assert r.json()["error"] == "invalid_aionis_uri"


def test_still_healthy_after_abuse(client: httpx.Client) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json()["ok"] is True


def test_internal_errors_are_enveloped() -> None:
    from fastapi import APIRouter
    from fastapi.testclient import TestClient

    from aionis_server.app import create_app

    app = create_app()
    boom = APIRouter()

    @boom.get("/boom")
    async def explode() -> None:
        raise RuntimeError("secret stack detail")

    app.include_router(boom)
    with TestClient(app, raise_server_exceptions=False) as tc:
        r = tc.get("/boom", headers={"x-request-id": "rid-1"})
    assert r.status_code == 500
    assert r.json() == {
        "status": 500,
        "error": "internal_error",
        "message": "internal server error",
        "details": {"contract": "error_v1"},
    }
    assert r.headers["x-request-id"] == "rid-1"
