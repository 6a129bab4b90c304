"""§2 transport conventions: bare 200 bodies, content types, request ids, bodies, query strings."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from contract_tests._support import UUID4_RE, Api, Wire, assert_envelope, uid


def test_success_is_200_bare_object_with_json_charset(wire: Wire) -> None:
    resp = wire.post(
        "/v1/memory/write",
        {"input_text": "transport ok", "nodes": [{"client_id": "a", "type": "event"}]},
    )
    assert resp.status_code == 200, resp.text
    ctype = resp.headers["content-type"].replace(" ", "").lower()
    assert ctype == "application/json;charset=utf-8"
    body = resp.json()
    assert isinstance(body, dict)
    assert "data" not in body, "bodies are bare, never wrapped (§2)"
    assert "commit_id" in body


def test_request_id_is_echoed_on_success(wire: Wire) -> None:
    rid = str(uuid.uuid4())
    resp = wire.http.post(
        "/v1/memory/find", json={"scope": wire.scope}, headers={"x-request-id": rid}
    )
    assert resp.status_code == 200
    assert resp.headers["x-request-id"] == rid


def test_request_id_is_echoed_on_errors(raw: httpx.Client) -> None:
    rid = f"ct-{uuid.uuid4()}"
    resp = raw.post("/v1/memory/write", json={"nodes": []}, headers={"x-request-id": rid})
    assert_envelope(resp, 400, "invalid_request")
    assert resp.headers["x-request-id"] == rid
    resp = raw.post("/v1/nope", json={}, headers={"x-request-id": rid})
    assert resp.status_code == 404
    assert resp.headers["x-request-id"] == rid


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/health"), ("POST", "/v1/memory/find"), ("POST", "/v1/not-a-route")],
)
def test_request_id_is_generated_uuid4(raw: httpx.Client, method: str, path: str) -> None:
    first = raw.request(method, path, json={} if method == "POST" else None)
    second = raw.request(method, path, json={} if method == "POST" else None)
    for resp in (first, second):
        assert UUID4_RE.match(resp.headers.get("x-request-id", "")), resp.headers
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize("payload", [[], ["a"], "text", 3, None, True])
def test_non_object_body_is_invalid_request_at_root(raw: httpx.Client, payload: object) -> None:
    resp = raw.post(
        "/v1/memory/find",
        content=json.dumps(payload).encode(),
        headers={"content-type": "application/json"},
    )
    body = assert_envelope(resp, 400, "invalid_request")
    assert "" in [issue["path"] for issue in body["issues"]]


def test_empty_body_is_treated_as_empty_object_or_rejected(raw: httpx.Client) -> None:
    resp = raw.post("/v1/memory/find", content=b"", headers={"content-type": "application/json"})
    # The server MAY treat an empty body as {} (§2); anything else must be an error_v1 400.
    if resp.status_code == 200:
        assert resp.json()["mode"] == "find"
    else:
        assert resp.status_code == 400
        assert resp.json()["error"] in ("invalid_json", "invalid_request")


def test_charset_parameter_is_allowed(wire: Wire) -> None:
    resp = wire.http.post(
        "/v1/memory/find",
        content=json.dumps({"scope": wire.scope}).encode(),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert resp.status_code == 200, resp.text


def test_unknown_request_keys_are_ignored(wire: Wire) -> None:
    body = wire.find(limit=3, totally_unknown_key={"x": 1}, another=[1, 2])
    assert body["page"]["limit"] == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        ("On", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("OFF", False),
        ("", False),
    ],
)
def test_get_booleans_parse(wire: Wire, text: str, expected: bool) -> None:
    sid = uid("s")
    wire.ok("/v1/memory/sessions", {"session_id": sid, "memory_lane": "shared", "input_text": "x"})
    body = wire.get_ok("/v1/memory/sessions", {"include_meta": text})
    [session] = body["sessions"]
    assert ("memory_lane" in session) is expected


@pytest.mark.parametrize("text", ["maybe", "2", "tru", "yes please"])
def test_get_invalid_boolean_is_400(wire: Wire, text: str) -> None:
    assert_envelope(wire.get("/v1/memory/sessions", {"include_meta": text}), 400, "invalid_request")


def test_get_integers_parse(wire: Wire) -> None:
    for i in range(3):
        wire.ok(
            "/v1/memory/sessions",
            {"session_id": f"s{i}", "memory_lane": "shared", "input_text": f"s{i}"},
        )
    body = wire.get_ok("/v1/memory/sessions", {"limit": "2", "offset": "1"})
    assert body["page"]["limit"] == 2
    assert body["page"]["offset"] == 1
    assert body["page"]["returned"] == 2
    assert body["page"]["has_more"] is False


@pytest.mark.parametrize(
    "params", [{"limit": "abc"}, {"limit": "1.5"}, {"limit": "0"}, {"offset": "-1"}]
)
def test_get_invalid_integers_are_400(wire: Wire, params: dict[str, str]) -> None:
    assert_envelope(wire.get("/v1/memory/sessions", params), 400, "invalid_request")


@pytest.mark.auth_off
def test_get_scope_and_tenant_as_query_parameters(wire: Wire) -> None:
    other = wire.with_scope(wire.scope, tenant_id=uid("t"))
    other.ok("/v1/memory/sessions", {"session_id": "q", "memory_lane": "shared", "input_text": "q"})
    listed = wire.http.get(
        "/v1/memory/sessions", params={"scope": wire.scope, "tenant_id": other.tenant_id}
    ).json()
    assert [s["session_id"] for s in listed["sessions"]] == ["q"]
    assert listed["tenant_id"] == other.tenant_id
    assert wire.get_ok("/v1/memory/sessions")["sessions"] == []


def test_path_parameters_are_percent_decoded(wire: Wire) -> None:
    sid = "odd id/with?chars&é"
    wire.ok(
        "/v1/memory/events",
        {"session_id": sid, "event_id": "e1", "input_text": "hello", "memory_lane": "shared"},
    )
    path = "/v1/memory/sessions/" + _quote(sid) + "/events"
    body = wire.get_ok(path)
    assert body["session"]["session_id"] == sid
    assert [e["event_id"] for e in body["events"]] == ["e1"]


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


async def test_sdk_results_expose_request_id(client: Api) -> None:
    model = await client.model("memory.find")
    assert UUID4_RE.match(model.request_id or ""), model.request_id
