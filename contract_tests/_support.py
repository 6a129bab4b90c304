"""Helpers shared by the contract tests: the sync/async SDK adapter, the raw wire client, and
assertions on the spec's shapes (error envelope, ids, timestamps)."""

from __future__ import annotations

import inspect
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from aionis_sdk.canonical import node_id_for_client_id

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LOCAL_ID = "local-user"
DEFAULT_TENANT = "default"

CORE_CAPABILITIES = (
    "write",
    "recall",
    "recall_text",
    "find",
    "resolve",
    "sessions",
    "events",
    "packs",
    "rules",
    "feedback",
    "tools",
    "planning_context",
    "context_assemble",
)


def requires_capability(name: str) -> pytest.MarkDecorator:
    """Skip the test unless /health advertises ``name`` (absent list: all core groups)."""
    return pytest.mark.capability(name)


def uid(prefix: str = "x") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def node_id(client_id: str, scope: str, tenant_id: str = DEFAULT_TENANT) -> str:
    return node_id_for_client_id(client_id, tenant_id=tenant_id, scope=scope)


def to_plain(value: Any) -> Any:
    """A response as the JSON the server sent: pydantic models dumped without unset defaults."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def basis(dim: int, *weights: tuple[int, float]) -> list[float]:
    """A unit-length vector with the given (index, weight) components."""
    vec = [0.0] * dim
    for index, weight in weights:
        vec[index] = weight
    norm = math.sqrt(sum(v * v for v in vec))
    return [v / norm for v in vec]


def require_keys(obj: Mapping[str, Any], *keys: str) -> None:
    missing = [k for k in keys if k not in obj]
    assert not missing, f"missing required keys {missing} in {sorted(obj)}"


def assert_uuid(value: Any) -> None:
    assert isinstance(value, str)
    assert UUID_RE.match(value), value


def assert_timestamp(value: Any) -> None:
    assert isinstance(value, str)
    assert TS_RE.match(value), value


# --- errors -----------------------------------------------------------------------------


def assert_envelope(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Check an ``error_v1`` response (§3.1) and return its body."""
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    assert resp.headers.get("content-type", "").startswith("application/json"), resp.headers
    assert resp.headers.get("x-request-id"), "errors carry x-request-id too (§2)"
    body = resp.json()
    assert isinstance(body, dict), body
    assert body.get("status") == status, body
    assert body.get("error") == code, body
    assert isinstance(body.get("message"), str), body
    assert body["message"], body
    details = body.get("details")
    assert isinstance(details, dict), body
    assert details.get("contract") == "error_v1", body
    if code == "invalid_request":
        issues = body.get("issues")
        assert isinstance(issues, list), body
        assert issues, body
        for issue in issues:
            assert isinstance(issue.get("path"), str), issue
            assert isinstance(issue.get("message"), str), issue
        assert details.get("issues") == issues, "issues are repeated under details (§3.1)"
    else:
        assert "issues" not in body, body
    return body


def issue_paths(body: Mapping[str, Any]) -> list[str]:
    return [str(i["path"]) for i in body.get("issues", [])]


# --- raw wire ---------------------------------------------------------------------------


class Wire:
    """A thin httpx wrapper that fills the test's scope into every JSON object body."""

    def __init__(self, http: httpx.Client, scope: str, tenant_id: str | None = None) -> None:
        self.http = http
        self.scope = scope
        self.tenant_id = tenant_id

    def with_scope(self, scope: str, tenant_id: str | None = None) -> Wire:
        return Wire(self.http, scope, tenant_id)

    def _fill(self, body: Any) -> Any:
        if isinstance(body, dict):
            body = dict(body)
            body.setdefault("scope", self.scope)
            if self.tenant_id is not None:
                body.setdefault("tenant_id", self.tenant_id)
        return body

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        fill: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        payload = self._fill(body if body is not None else {}) if fill else body
        return self.http.post(path, json=payload, headers=headers)

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, fill: bool = True
    ) -> httpx.Response:
        query: dict[str, Any] = dict(params or {})
        if fill:
            query.setdefault("scope", self.scope)
            if self.tenant_id is not None:
                query.setdefault("tenant_id", self.tenant_id)
        return self.http.get(path, params=query)

    def ok(self, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        resp = self.post(path, body, **kwargs)
        assert resp.status_code == 200, (path, resp.status_code, resp.text[:800])
        data = resp.json()
        assert isinstance(data, dict)
        return data

    def get_ok(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        resp = self.get(path, params)
        assert resp.status_code == 200, (path, resp.status_code, resp.text[:800])
        data = resp.json()
        assert isinstance(data, dict)
        return data

    def err(self, path: str, body: Any, status: int, code: str, **kw: Any) -> dict[str, Any]:
        return assert_envelope(self.post(path, body, **kw), status, code)

    # Convenience writers used by many modules.
    def write(self, nodes: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "input_text": fields.pop("input_text", uid("write")),
            "nodes": nodes,
        }
        body.update(fields)
        return self.ok("/v1/memory/write", body)

    def find(self, **fields: Any) -> dict[str, Any]:
        return self.ok("/v1/memory/find", fields)


def make_rule(wire: Wire, slots: dict[str, Any], state: str = "active", **node: Any) -> str:
    """Write a shared rule and move it to ``state``; return its node id."""
    written = wire.write(
        [
            {
                "client_id": uid("rule"),
                "type": "rule",
                "memory_lane": "shared",
                "text_summary": "rule",
                "slots": slots,
                **node,
            }
        ],
        input_text=uid("rule write"),
    )
    rid = str(written["nodes"][0]["id"])
    if state != "draft":
        wire.ok(
            "/v1/memory/rules/state",
            {"rule_node_id": rid, "state": state, "input_text": f"to {state}"},
        )
    return rid


def matched_ids(body: dict[str, Any]) -> list[str]:
    return [m["rule_node_id"] for m in body["active"]]


# --- SDK adapter ------------------------------------------------------------------------


class Api:
    """One interface over ``AionisClient`` and ``AsyncAionisClient``.

    ``await api("memory.write", input_text=..., nodes=[...])`` calls the named SDK method on
    whichever client this adapter wraps and returns the response as plain JSON (see
    ``to_plain``). Every test written against it runs in both modes, so the two clients are
    held to the same behaviour by construction.
    """

    def __init__(self, sdk: Any, mode: str, scope: str, tenant_id: str | None = None) -> None:
        self.sdk = sdk
        self.mode = mode
        self.scope = scope
        self.tenant_id = tenant_id

    def with_scope(self, scope: str, tenant_id: str | None = None) -> Api:
        return Api(self.sdk, self.mode, scope, tenant_id)

    def _target(self, method: str) -> Any:
        target: Any = self.sdk
        for part in method.split("."):
            target = getattr(target, part)
        return target

    def _kwargs(self, method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        if method in ("health", "request"):
            return kwargs
        kwargs.setdefault("scope", self.scope)
        if self.tenant_id is not None:
            kwargs.setdefault("tenant_id", self.tenant_id)
        return kwargs

    async def model(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call an SDK method and return what it returned (a pydantic model)."""
        result = self._target(method)(*args, **self._kwargs(method, kwargs))
        if inspect.isawaitable(result):
            result = await result
        return result

    async def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return to_plain(await self.model(method, *args, **kwargs))

    async def collect(self, method: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Drain an auto-paging iterator (sync or async) into a list of plain objects."""
        result = self._target(method)(*args, **self._kwargs(method, kwargs))
        if inspect.isawaitable(result):
            result = await result
        items: list[Any] = []
        if hasattr(result, "__aiter__"):
            async for item in result:
                items.append(to_plain(item))
        else:
            items.extend(to_plain(item) for item in result)
        return items

    async def error(self, method: str, status: int, code: str, *args: Any, **kwargs: Any) -> Any:
        """Call and expect an ``APIStatusError`` with this status and code; return it."""
        from aionis_sdk import APIStatusError

        with pytest.raises(APIStatusError) as info:
            await self.model(method, *args, **kwargs)
        exc = info.value
        assert exc.status_code == status, (exc.status_code, exc.code, exc.message)
        assert exc.code == code, (exc.code, exc.message, exc.details)
        assert exc.request_id, "status errors carry the request id (§3.5)"
        assert isinstance(exc.body, str), "status errors carry the raw body"
        assert exc.body
        return exc


def ids_of(items: Iterable[Mapping[str, Any]], key: str = "id") -> list[Any]:
    return [item[key] for item in items]
