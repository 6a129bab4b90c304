"""§7.2 GET /health."""

from __future__ import annotations

from typing import Any

import httpx

from contract_tests._support import CORE_CAPABILITIES, Api


def test_health_required_keys(raw: httpx.Client) -> None:
    resp = raw.get("/health")
    assert resp.status_code == 200
    body = resp.json()
    for key in ("ok", "version", "api_version", "embedding", "auth_mode", "capabilities"):
        assert key in body, key
    assert body["ok"] is True
    assert body["api_version"] == "v1"
    assert isinstance(body["version"], str)
    assert body["version"]
    assert isinstance(body["embedding"]["provider"], str)
    assert body["embedding"]["provider"]
    assert isinstance(body["embedding"]["dim"], int)
    assert body["embedding"]["dim"] > 0
    assert body["auth_mode"] in ("off", "api_key", "jwt", "api_key_or_jwt")


def test_health_capabilities_use_the_spec_names(health: dict[str, Any]) -> None:
    caps = health["capabilities"]
    assert isinstance(caps, list)
    for name in caps:
        assert name in CORE_CAPABILITIES or str(name).startswith("ext."), name


GROUP_ROUTES = {
    "write": ("POST", "/v1/memory/write"),
    "recall": ("POST", "/v1/memory/recall"),
    "recall_text": ("POST", "/v1/memory/recall_text"),
    "find": ("POST", "/v1/memory/find"),
    "resolve": ("POST", "/v1/memory/resolve"),
    "sessions": ("GET", "/v1/memory/sessions"),
    "events": ("POST", "/v1/memory/events"),
    "packs": ("POST", "/v1/memory/packs/export"),
    "rules": ("POST", "/v1/memory/rules/evaluate"),
    "feedback": ("POST", "/v1/memory/feedback"),
    "tools": ("POST", "/v1/memory/tools/select"),
    "planning_context": ("POST", "/v1/memory/planning/context"),
    "context_assemble": ("POST", "/v1/memory/context/assemble"),
}


def test_advertised_capabilities_are_served(raw: httpx.Client, health: dict[str, Any]) -> None:
    """A group listed in /health must have its route; an unlisted one may be absent (§7.2)."""
    for name in health["capabilities"]:
        if name not in GROUP_ROUTES:
            continue
        method, path = GROUP_ROUTES[name]
        resp = raw.request(
            method,
            path,
            json={} if method == "POST" else None,
            params={"scope": "ct-capability-probe"} if method == "GET" else None,
        )
        assert resp.status_code != 404 or resp.json().get("error") != "route_not_found", name


def test_health_needs_no_credentials(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as bare:
        resp = bare.get("/health")
    assert resp.status_code == 200
    assert resp.json()["ok"] is True


async def test_health_through_sdk(client: Api, health: dict[str, Any]) -> None:
    body = await client("health")
    assert body["ok"] is True
    assert body["embedding"]["dim"] == health["embedding"]["dim"]
    assert body["capabilities"] == health["capabilities"]


def test_served_groups_are_advertised(raw: httpx.Client, health: dict[str, Any]) -> None:
    """The reverse: a core group whose route is served must be listed (§7.2)."""
    missing = []
    for name, (method, path) in GROUP_ROUTES.items():
        resp = raw.request(
            method,
            path,
            json={} if method == "POST" else None,
            params={"scope": "ct-capability-probe"} if method == "GET" else None,
        )
        served = not (resp.status_code == 404 and resp.json().get("error") == "route_not_found")
        if served and name not in health["capabilities"]:
            missing.append(name)
    assert not missing, f"served but not advertised in /health capabilities: {missing}"
