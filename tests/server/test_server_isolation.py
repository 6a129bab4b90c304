"""Isolation: with auth on, one tenant's key cannot read, find, recall or export another's data."""

from __future__ import annotations

from server_support import live_client

from aionis_server.config import ApiKeyPrincipal

KEYS = {
    "key-a": ApiKeyPrincipal(tenant_id="tenant-a", agent_id="agent-a"),
    "key-b": ApiKeyPrincipal(tenant_id="tenant-b", agent_id="agent-b"),
}
A = {"x-api-key": "key-a"}
B = {"x-api-key": "key-b"}


def test_tenants_are_isolated() -> None:
    with live_client(auth_mode="api_key", api_keys=KEYS) as c:
        secret = {
            "input_text": "tenant b secret launch codes",
            "memory_lane": "shared",
            "nodes": [
                {
                    "client_id": "secret",
                    "type": "entity",
                    "title": "launch codes",
                    "text_summary": "tenant b secret launch codes",
                },
                {"client_id": "s2", "type": "event", "text_summary": "b event"},
            ],
            "edges": [
                {"type": "related_to", "src": {"client_id": "s2"}, "dst": {"client_id": "secret"}}
            ],
        }
        wb = c.post("/v1/memory/write", json=secret, headers=B).json()
        sb = c.post(
            "/v1/memory/events",
            json={"session_id": "b-session", "input_text": "b event", "memory_lane": "shared"},
            headers=B,
        )
        assert sb.status_code == 200
        assert c.post("/v1/memory/find", json={"client_id": "secret"}, headers=B).json()["nodes"]

        # Tenant A sees nothing of B through any read.
        assert c.post("/v1/memory/find", json={}, headers=A).json()["nodes"] == []
        assert (
            c.post("/v1/memory/find", json={"tenant_id": "tenant-b"}, headers=A).status_code == 403
        )
        assert (
            c.post("/v1/memory/find", json={}, headers={**A, "x-tenant-id": "tenant-b"}).status_code
            == 403
        )
        for uri in (wb["nodes"][0]["uri"], wb["edges"][0]["uri"], wb["commit_uri"]):
            r = c.post("/v1/memory/resolve", json={"uri": uri}, headers=A)
            assert r.status_code == 403, uri
        recall = c.post("/v1/memory/recall_text", json={"query_text": "launch codes"}, headers=A)
        assert recall.status_code == 200
        assert recall.json()["seeds"] == []
        assert recall.json()["tenant_id"] == "tenant-a"
        b_recall = c.post(
            "/v1/memory/recall_text", json={"query_text": "launch codes"}, headers=B
        ).json()
        assert b_recall["seeds"]
        export = c.post("/v1/memory/packs/export", json={}, headers=A).json()
        assert export["pack"]["tenant_id"] == "tenant-a"
        assert export["pack"]["nodes"] == []
        assert (
            c.post("/v1/memory/packs/export", json={"tenant_id": "tenant-b"}, headers=A).status_code
            == 403
        )
        assert c.get("/v1/memory/sessions", headers=A).json()["sessions"] == []
        assert (
            c.get("/v1/memory/sessions", params={"tenant_id": "tenant-b"}, headers=A).status_code
            == 403
        )
        assert c.get("/v1/memory/sessions/b-session/events", headers=A).json()["session"] is None
        # A pack of B's data cannot be imported into A under B's name.
        b_pack = c.post("/v1/memory/packs/export", json={}, headers=B).json()["pack"]
        assert (
            c.post("/v1/memory/packs/import", json={"pack": b_pack}, headers=A).status_code == 400
        )
