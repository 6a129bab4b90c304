"""§4.4 tenancy and scope: validation, X-Tenant-Id, isolation, public ids in responses."""

from __future__ import annotations

import pytest

from contract_tests._support import Api, Wire, assert_envelope, node_id, uid

SHARED_EVENT = {"client_id": "e1", "type": "event", "title": "tenancy probe"}


@pytest.mark.parametrize(
    "tenant", ["-lead", ".dot", "has space", "a" * 65, "ü-nicode", "a/b", "tenant:x"]
)
@pytest.mark.auth_off
def test_invalid_tenant_id(wire: Wire, tenant: str) -> None:
    body = wire.err(
        "/v1/memory/write", {"input_text": "x", "tenant_id": tenant}, 400, "invalid_tenant_id"
    )
    assert body["details"]["tenant_id"] in (tenant, tenant.strip())


@pytest.mark.auth_off
@pytest.mark.parametrize("tenant", ["a", "A9", "acme.prod_eu-1", "x" * 64, "  padded  "])
def test_valid_tenant_ids_are_accepted_after_trim(wire: Wire, tenant: str) -> None:
    body = wire.ok("/v1/memory/find", {"tenant_id": tenant})
    assert body["tenant_id"] == tenant.strip()


@pytest.mark.auth_off
def test_invalid_tenant_in_header(wire: Wire) -> None:
    resp = wire.http.post(
        "/v1/memory/find", json={"scope": wire.scope}, headers={"X-Tenant-Id": "bad tenant"}
    )
    assert_envelope(resp, 400, "invalid_tenant_id")


@pytest.mark.parametrize("scope", ["", "   ", "tenant:acme", "tenant:x::scope:y"])
def test_invalid_scope(wire: Wire, scope: str) -> None:
    wire.err("/v1/memory/find", {"scope": scope}, 400, "invalid_scope")


def test_scope_is_trimmed_and_echoed(wire: Wire) -> None:
    body = wire.ok("/v1/memory/find", {"scope": f"  {wire.scope}  "})
    assert body["scope"] == wire.scope


def test_default_tenant_and_scope_are_echoed(wire: Wire) -> None:
    body = wire.ok("/v1/memory/find", {"limit": 1}, fill=False)
    assert body["tenant_id"] == "default"
    assert body["scope"] == "default"


@pytest.mark.auth_off
def test_x_tenant_id_header_selects_tenant(wire: Wire) -> None:
    tenant = uid("hdr")
    resp = wire.http.post(
        "/v1/memory/write",
        json={
            "scope": wire.scope,
            "input_text": "hdr",
            "memory_lane": "shared",
            "nodes": [SHARED_EVENT],
        },
        headers={"X-Tenant-Id": tenant},
    )
    assert resp.status_code == 200, resp.text
    written = resp.json()
    assert written["tenant_id"] == tenant
    assert written["nodes"][0]["id"] == node_id("e1", wire.scope, tenant)
    assert written["commit_uri"].startswith(f"aionis://{tenant}/{wire.scope}/commit/")
    # Found under that tenant (header or body), not under the default tenant.
    assert len(wire.with_scope(wire.scope, tenant).find()["nodes"]) == 1
    assert wire.find()["nodes"] == []


@pytest.mark.auth_off
def test_body_tenant_wins_over_header(wire: Wire) -> None:
    body_tenant, header_tenant = uid("body"), uid("head")
    resp = wire.http.post(
        "/v1/memory/find",
        json={"scope": wire.scope, "tenant_id": body_tenant},
        headers={"X-Tenant-Id": header_tenant},
    )
    assert resp.status_code == 200
    assert resp.json()["tenant_id"] == body_tenant


def test_scopes_are_isolated(wire: Wire) -> None:
    wire.write([SHARED_EVENT], memory_lane="shared")
    other = wire.with_scope(wire.scope + "-other")
    assert other.find()["nodes"] == []
    assert other.find(client_id="e1")["nodes"] == []
    assert len(wire.find(client_id="e1")["nodes"]) == 1


@pytest.mark.auth_off
def test_tenants_are_isolated_for_the_same_scope_name(wire: Wire) -> None:
    t1, t2 = wire.with_scope(wire.scope, uid("t1")), wire.with_scope(wire.scope, uid("t2"))
    w1 = t1.write([SHARED_EVENT], memory_lane="shared", input_text="same input")
    w2 = t2.write([SHARED_EVENT], memory_lane="shared", input_text="same input")
    assert w1["nodes"][0]["id"] != w2["nodes"][0]["id"]
    assert w1["commit_id"] != w2["commit_id"]
    assert [n["id"] for n in t1.find()["nodes"]] == [w1["nodes"][0]["id"]]
    assert [n["id"] for n in t2.find()["nodes"]] == [w2["nodes"][0]["id"]]


@pytest.mark.auth_off
def test_uris_carry_public_tenant_and_scope_never_scope_key(wire: Wire) -> None:
    tenant = uid("pub")
    tw = wire.with_scope(wire.scope, tenant)
    written = tw.write([SHARED_EVENT], memory_lane="shared")
    prefix = f"aionis://{tenant}/{wire.scope}/"
    assert written["nodes"][0]["uri"] == prefix + "event/" + written["nodes"][0]["id"]
    found = tw.find(include_meta=True)
    assert found["tenant_id"] == tenant
    assert found["scope"] == wire.scope
    assert found["nodes"][0]["uri"].startswith(prefix)
    assert "tenant:" not in str(found)


def test_cross_scope_resolve_is_not_found(wire: Wire) -> None:
    written = wire.write([SHARED_EVENT], memory_lane="shared")
    uri = written["nodes"][0]["uri"].replace(f"/{wire.scope}/", f"/{wire.scope}-x/")
    other = wire.with_scope(wire.scope + "-x")
    other.err("/v1/memory/resolve", {"uri": uri}, 404, "node_not_found_in_scope_or_visibility")


@pytest.mark.auth_off
async def test_sdk_tenant_and_scope_round_trip(client: Api) -> None:
    tenant = uid("sdk")
    scoped = client.with_scope(client.scope, tenant)
    written = await scoped(
        "memory.write", input_text="sdk tenancy", memory_lane="shared", nodes=[SHARED_EVENT]
    )
    assert written["tenant_id"] == tenant
    assert written["scope"] == client.scope
    found = await scoped("memory.find", client_id="e1")
    assert [n["id"] for n in found["nodes"]] == [node_id("e1", client.scope, tenant)]
    assert (await client("memory.find", client_id="e1"))["nodes"] == []
