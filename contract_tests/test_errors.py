"""§3 the error_v1 envelope and the framework-level errors of §3.3, and §1.1 out-of-scope routes."""

from __future__ import annotations

import json

import httpx
import pytest

from contract_tests._support import UUID4_RE, Api, Wire, assert_envelope

CORE_POST = [
    "/v1/memory/write",
    "/v1/memory/recall",
    "/v1/memory/recall_text",
    "/v1/memory/find",
    "/v1/memory/resolve",
    "/v1/memory/events",
    "/v1/memory/packs/export",
    "/v1/memory/packs/import",
    "/v1/memory/rules/state",
    "/v1/memory/rules/evaluate",
    "/v1/memory/feedback",
    "/v1/memory/tools/select",
    "/v1/memory/tools/decision",
    "/v1/memory/tools/run",
    "/v1/memory/tools/feedback",
    "/v1/memory/planning/context",
    "/v1/memory/context/assemble",
]

OUT_OF_SCOPE = [
    ("POST", "/v1/memory/replay/run/start"),
    ("POST", "/v1/memory/replay/playbooks/compile"),
    ("POST", "/v1/memory/replay/runs/get"),
    ("POST", "/v1/handoff/store"),
    ("POST", "/v1/handoff/recover"),
    ("POST", "/v1/automations/create"),
    ("GET", "/v1/automations/list"),
    ("POST", "/v1/memory/sandbox/execute"),
    ("GET", "/v1/admin/control/tenants"),
    ("POST", "/v1/admin/control/api-keys"),
    ("POST", "/v1/memory/patterns/suppress"),
    ("POST", "/v1/memory/patterns/unsuppress"),
    ("POST", "/v1/memory/anchors/rehydrate_payload"),
    ("POST", "/v1/memory/tools/rehydrate_payload"),
    ("POST", "/v1/memory/execution/introspect"),
    ("POST", "/v1/memory/archive/rehydrate"),
    ("POST", "/v1/memory/nodes/activate"),
    ("POST", "/v1/memory/tools/runs/list"),
]


def test_invalid_request_envelope_has_issues_twice(raw: httpx.Client) -> None:
    resp = raw.post("/v1/memory/tools/select", json={"context": {}, "candidates": []})
    body = assert_envelope(resp, 400, "invalid_request")
    assert "candidates" in [i["path"] for i in body["issues"]]


def test_issue_paths_are_dotted_with_numeric_indexes(raw: httpx.Client) -> None:
    resp = raw.post(
        "/v1/memory/write",
        json={"input_text": "x", "nodes": [{"type": "event"}, {"type": "not-a-type"}]},
    )
    body = assert_envelope(resp, 400, "invalid_request")
    assert "nodes.1.type" in [i["path"] for i in body["issues"]]


@pytest.mark.auth_off
def test_non_validation_errors_have_no_issues(raw: httpx.Client) -> None:
    resp = raw.post("/v1/memory/write", json={"input_text": "x", "tenant_id": "-bad"})
    body = assert_envelope(resp, 400, "invalid_tenant_id")
    assert "issues" not in body


@pytest.mark.parametrize(("method", "path"), OUT_OF_SCOPE)
def test_out_of_scope_routes_are_route_not_found(raw: httpx.Client, method: str, path: str) -> None:
    resp = raw.request(method, path, json={} if method == "POST" else None)
    body = assert_envelope(resp, 404, "route_not_found")
    assert body["details"]["method"] == method
    assert body["details"]["path"] == path


@pytest.mark.parametrize("path", ["/v1/nope", "/", "/v2/memory/write", "/v1/memory/write/extra"])
def test_unknown_paths_are_route_not_found(raw: httpx.Client, path: str) -> None:
    body = assert_envelope(raw.post(path, json={}), 404, "route_not_found")
    assert body["details"] == {"contract": "error_v1", "method": "POST", "path": path} or (
        body["details"]["path"] == path and body["details"]["method"] == "POST"
    )


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/v1/memory/write", "POST"),
        ("DELETE", "/v1/memory/find", "POST"),
        ("POST", "/health", "GET"),
        ("PUT", "/v1/memory/sessions", "GET"),
        ("POST", "/v1/memory/sessions/abc/events", "GET"),
        ("PATCH", "/v1/memory/tools/select", "POST"),
    ],
)
def test_wrong_method_is_405_with_allow(
    raw: httpx.Client, method: str, path: str, allowed: str
) -> None:
    resp = raw.request(method, path, json={} if method != "GET" else None)
    assert_envelope(resp, 405, "method_not_allowed")
    allow = {m.strip().upper() for m in resp.headers.get("allow", "").split(",")}
    assert allowed in allow, resp.headers


def test_sessions_path_allows_get_and_post(raw: httpx.Client) -> None:
    resp = raw.request("DELETE", "/v1/memory/sessions")
    assert_envelope(resp, 405, "method_not_allowed")
    allow = {m.strip().upper() for m in resp.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allow


@pytest.mark.parametrize("text", ["{", "{'a': 1}", '{"a": }', "nul", '{"a":1}x'])
def test_malformed_json_is_invalid_json(raw: httpx.Client, text: str) -> None:
    resp = raw.post(
        "/v1/memory/find", content=text.encode(), headers={"content-type": "application/json"}
    )
    assert_envelope(resp, 400, "invalid_json")


def test_payload_over_5_mib_is_413(raw: httpx.Client) -> None:
    filler = "a" * (5 * 1024 * 1024 + 10)
    resp = raw.post(
        "/v1/memory/write",
        content=json.dumps({"input_text": filler}).encode(),
        headers={"content-type": "application/json"},
    )
    body = assert_envelope(resp, 413, "payload_too_large")
    assert body["details"]["limit_bytes"] == 5_242_880


def test_payload_just_under_the_limit_is_accepted(wire: Wire) -> None:
    # A 4 MiB slot value: large but legal; text fields are truncated by normalisation, slots not.
    body = {
        "input_text": "big",
        "memory_lane": "shared",
        "nodes": [{"client_id": "big", "type": "evidence", "slots": {"blob": "b" * (4 << 20)}}],
    }
    resp = wire.post("/v1/memory/write", body)
    assert resp.status_code == 200, resp.text[:300]


@pytest.mark.parametrize(
    "ctype", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_non_json_content_type_is_415(raw: httpx.Client, ctype: str) -> None:
    resp = raw.post("/v1/memory/find", content=b"{}", headers={"content-type": ctype})
    assert_envelope(resp, 415, "unsupported_media_type")


def test_post_without_content_type_is_415(raw: httpx.Client) -> None:
    req = raw.build_request("POST", "/v1/memory/find", content=b"{}")
    req.headers.pop("content-type", None)
    resp = raw.send(req)
    assert_envelope(resp, 415, "unsupported_media_type")


def test_server_still_healthy_after_errors(raw: httpx.Client) -> None:
    raw.post("/v1/memory/find", content=b"\xff\xfe", headers={"content-type": "application/json"})
    raw.post("/v1/memory/find", json={"limit": "x" * 10000})
    assert raw.get("/health").json()["ok"] is True


async def test_sdk_raises_typed_errors_with_envelope_data(client: Api) -> None:
    from aionis_sdk import BadRequestError

    # An error the SDK cannot catch client-side: the parent commit does not exist.
    exc = await client.error(
        "memory.write",
        400,
        "parent_commit_not_found",
        input_text="x",
        parent_commit_id="00000000-0000-4000-8000-000000000000",
    )
    assert isinstance(exc, BadRequestError)
    assert exc.details["contract"] == "error_v1"
    assert exc.issues in (None, [])


async def test_sdk_not_found_error(client: Api) -> None:
    from aionis_sdk import NotFoundError

    uri = f"aionis://default/{client.scope}/event/00000000-0000-4000-8000-000000000000"
    exc = await client.error(
        "memory.resolve", 404, "node_not_found_in_scope_or_visibility", uri=uri
    )
    assert isinstance(exc, NotFoundError)


async def test_sdk_raw_request_maps_framework_errors(client: Api) -> None:
    from aionis_sdk import MethodNotAllowedError, NotFoundError

    exc = await client.error(
        "request", 404, "route_not_found", "POST", "/v1/handoff/store", body={}
    )
    assert isinstance(exc, NotFoundError)
    exc = await client.error("request", 405, "method_not_allowed", "GET", "/v1/memory/write")
    assert isinstance(exc, MethodNotAllowedError)


@pytest.mark.auth_off
async def test_sdk_permission_denied(client: Api) -> None:
    from aionis_sdk import PermissionDeniedError

    await client("sessions.create", session_id="locked", owner_agent_id="alice")
    exc = await client.error(
        "sessions.append_event",
        403,
        "session_owner_mismatch",
        session_id="locked",
        input_text="hi",
        owner_agent_id="bob",
    )
    assert isinstance(exc, PermissionDeniedError)


def test_overlong_request_id_is_echoed_or_replaced(raw: httpx.Client) -> None:
    long_id = "r" * 300
    resp = raw.post("/v1/memory/find", json={}, headers={"x-request-id": long_id})
    got = resp.headers.get("x-request-id", "")
    assert got == long_id or UUID4_RE.match(got), got


def _deep(levels: int) -> dict[str, object]:
    value: dict[str, object] = {"leaf": True}
    for _ in range(levels):
        value = {"d": value}
    return value


ODD_BODIES: list[dict[str, object]] = [
    {"scope": 123},
    {"tenant_id": ["x"]},
    {"limit": "ten", "offset": {"a": 1}},
    {
        "context": _deep(300),
        "query_text": "q",
        "candidates": ["a"],
        "session_id": "s",
        "input_text": "x",
    },
    {"nodes": "x", "edges": 5, "uri": 7, "rule_node_id": None, "pack": [], "run_id": 1},
    {"query_text": "\u0000\ud7ff\ufffe", "input_text": "\u202e\u0000", "session_id": "../../etc"},
]


@pytest.mark.parametrize("path", CORE_POST)
def test_odd_input_never_gives_5xx(raw: httpx.Client, scope: str, path: str) -> None:
    for body in ODD_BODIES:
        resp = raw.post(path, json={"scope": scope, **body})
        assert resp.status_code < 500, (path, body, resp.status_code, resp.text[:300])
        if resp.status_code >= 400:
            assert resp.json()["details"]["contract"] == "error_v1"
    assert raw.get("/health").json()["ok"] is True
