"""§7.8 packs: export manifest and hash, truncation, import, verify_only, mismatches."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from aionis_sdk.canonical import canon, sha256hex
from contract_tests._support import (
    Api,
    Wire,
    assert_timestamp,
    node_id,
    require_keys,
    requires_capability,
)

pytestmark = requires_capability("packs")

X = "/v1/memory/packs/export"
I = "/v1/memory/packs/import"  # noqa: E741


def _fill(wire: Wire) -> dict[str, Any]:
    written = wire.write(
        [
            {"client_id": "a", "type": "event", "title": "A", "slots": {"k": [1, 2]}},
            {"client_id": "b", "type": "entity", "title": "B"},
            {
                "client_id": "r",
                "type": "rule",
                "memory_lane": "shared",
                "slots": {"then": {"tool": {"prefer": ["x"]}}},
            },
        ],
        input_text="pack source",
        edges=[{"type": "related_to", "src": {"client_id": "a"}, "dst": {"client_id": "b"}}],
    )
    wire.ok(
        "/v1/memory/rules/state",
        {"rule_node_id": written["nodes"][2]["id"], "state": "active", "input_text": "on"},
    )
    return written


async def test_export_shape_and_manifest_hash(client: Api) -> None:
    await client("memory.write", input_text="p", nodes=[{"client_id": "a", "type": "event"}])
    body = await client("packs.export")
    manifest, pack = body["manifest"], body["pack"]
    require_keys(
        manifest,
        "version",
        "pack_version",
        "sha256",
        "generated_at",
        "counts",
        "truncated",
        "max_rows",
    )
    assert manifest["version"] == "aionis_pack_manifest_v1"
    assert manifest["pack_version"] == "aionis_pack_v1"
    assert manifest["max_rows"] == 5000
    assert pack["version"] == "aionis_pack_v1"
    assert pack["scope"] == client.scope
    assert pack["tenant_id"] == "default"
    assert manifest["sha256"] == sha256hex(canon(pack))
    assert_timestamp(manifest["generated_at"])
    for row in pack["nodes"] + pack["commits"]:
        assert_timestamp(row["created_at"])


def test_export_rows_and_lanes_ignored(wire: Wire) -> None:
    written = _fill(wire)
    body = wire.ok(X, {})
    pack = body["pack"]
    assert body["manifest"]["sha256"] == sha256hex(canon(pack))
    assert sorted(n["client_id"] for n in pack["nodes"]) == ["a", "b", "r"], "lanes are ignored"
    keys = [(n["created_at"], n["id"]) for n in pack["nodes"]]
    assert keys == sorted(keys)
    node = next(n for n in pack["nodes"] if n["client_id"] == "a")
    require_keys(
        node,
        "id",
        "client_id",
        "type",
        "tier",
        "memory_lane",
        "producer_agent_id",
        "owner_agent_id",
        "owner_team_id",
        "title",
        "text_summary",
        "slots",
        "raw_ref",
        "evidence_ref",
        "salience",
        "importance",
        "confidence",
        "created_at",
        "updated_at",
        "commit_id",
        "uri",
        "commit_uri",
    )
    assert "embedding" not in node
    [edge] = pack["edges"]
    require_keys(
        edge,
        "id",
        "type",
        "src_id",
        "dst_id",
        "src_client_id",
        "dst_client_id",
        "weight",
        "confidence",
        "decay_rate",
        "created_at",
        "commit_id",
        "uri",
        "src_uri",
        "dst_uri",
        "commit_uri",
    )
    assert edge["src_client_id"] == "a"
    assert edge["id"] == written["edges"][0]["id"]
    assert len(pack["commits"]) == 2
    for commit in pack["commits"]:
        require_keys(
            commit,
            "id",
            "parent_id",
            "input_sha256",
            "actor",
            "model_version",
            "prompt_version",
            "created_at",
            "commit_hash",
        )
    assert body["manifest"]["counts"] == {"nodes": 3, "edges": 1, "commits": 2, "decisions": 0}
    assert pack["decisions"] == []


def test_export_include_flags_and_decisions(wire: Wire) -> None:
    _fill(wire)
    wire.ok("/v1/memory/tools/select", {"context": {}, "candidates": ["x", "y"]})
    body = wire.ok(
        X,
        {
            "include_nodes": False,
            "include_edges": False,
            "include_commits": False,
            "include_decisions": True,
        },
    )
    pack = body["pack"]
    assert pack["nodes"] == []
    assert pack["edges"] == []
    assert pack["commits"] == []
    [decision] = pack["decisions"]
    require_keys(
        decision,
        "decision_id",
        "decision_kind",
        "run_id",
        "selected_tool",
        "candidates_json",
        "context_sha256",
        "policy_sha256",
        "source_rule_ids",
        "metadata_json",
        "created_at",
        "commit_id",
    )
    assert decision["selected_tool"] == "x"


def test_export_truncation_per_section(wire: Wire) -> None:
    wire.write([{"client_id": f"n{i}", "type": "event"} for i in range(4)], input_text="one")
    wire.write([], input_text="two")
    body = wire.ok(X, {"max_rows": 2})
    m = body["manifest"]
    assert len(body["pack"]["nodes"]) == 2
    assert len(body["pack"]["commits"]) == 2
    assert m["truncated"]["nodes"] is True
    assert m["truncated"]["commits"] is False
    assert m["truncated"]["edges"] is False
    assert m["max_rows"] == 2
    full = wire.ok(X, {})["pack"]["nodes"]
    assert body["pack"]["nodes"] == full[:2], "sections are ordered created_at asc, id asc"
    keys = [(n["created_at"], n["id"]) for n in full]
    assert keys == sorted(keys)


@pytest.mark.parametrize("extra", [{"max_rows": 0}, {"max_rows": 50001}])
def test_export_validation(wire: Wire, extra: dict[str, Any]) -> None:
    wire.err(X, extra, 400, "invalid_request")


def test_import_verify_only(wire: Wire) -> None:
    _fill(wire)
    exported = wire.ok(X, {})
    target = wire.with_scope(wire.scope + "-copy")
    pack = _retarget(exported["pack"], target.scope)
    body = target.ok(I, {"pack": pack, "verify_only": True})
    assert body["ok"] is True
    assert body["verified"] is True
    assert body["imported"] is False
    assert body["pack_sha256"] == sha256hex(canon(pack))
    assert body["planned"] == {"nodes": 3, "edges": 1, "commits_in_pack": 2, "decisions_in_pack": 0}
    assert target.ok(X, {})["pack"]["nodes"] == []


def _retarget(pack: dict[str, Any], scope: str) -> dict[str, Any]:
    moved = copy.deepcopy(pack)
    moved["scope"] = scope
    return moved


def test_import_into_another_scope(wire: Wire) -> None:
    _fill(wire)
    exported = wire.ok(X, {})
    target = wire.with_scope(wire.scope + "-copy")
    pack = _retarget(exported["pack"], target.scope)
    body = target.ok(I, {"pack": pack})
    assert body["imported"] is True
    assert body["nodes"] == 3
    assert body["edges"] == 1
    assert body["pack_sha256"] == sha256hex(canon(pack))
    # The imported nodes are private, so read the commit from an export (lane-blind).
    commits = {c["id"]: c for c in target.ok(X, {})["pack"]["commits"]}
    commit = commits[body["commit_id"]]
    assert commit["input_sha256"] == sha256hex("pack import " + body["pack_sha256"])
    copied = target.ok(X, {})["pack"]
    by_cid = {n["client_id"]: n for n in copied["nodes"]}
    assert {cid: n["id"] for cid, n in by_cid.items()} == {
        c: node_id(c, target.scope) for c in ("a", "b", "r")
    }, "ids are re-derived in the target scope"
    assert by_cid["a"]["slots"] == {"k": [1, 2]}
    assert by_cid["a"]["memory_lane"] == "private"
    assert by_cid["r"]["memory_lane"] == "shared"
    # Imported rules start as draft: evaluation in the target sees none.
    assert target.ok("/v1/memory/rules/evaluate", {"context": {}})["considered"] == 0
    # Re-import is idempotent.
    again = target.ok(I, {"pack": pack})
    assert again["commit_id"] == body["commit_id"]
    assert len(target.ok(X, {})["pack"]["nodes"]) == 3


def test_import_nodes_without_client_id(wire: Wire) -> None:
    pack = {
        "version": "aionis_pack_v1",
        "tenant_id": "default",
        "scope": wire.scope,
        "nodes": [
            {
                "id": "5e5e5e5e-0000-4000-8000-000000000001",
                "type": "event",
                "title": "anon",
                "memory_lane": "shared",
            }
        ],
        "edges": [],
        "commits": [],
        "decisions": [],
    }
    body = wire.ok(I, {"pack": pack})
    sha = body["pack_sha256"]
    expected_cid = f"pack:{sha[:16]}:node:5e5e5e5e-0000-4000-8000-000000000001"
    [node] = wire.find(include_meta=True)["nodes"]
    assert node["client_id"] == expected_cid
    assert node["id"] == node_id(expected_cid, wire.scope)
    assert node["embedding_status"] == "failed", "auto_embed defaults to false on import"


def test_import_manifest_hash_mismatch(wire: Wire) -> None:
    _fill(wire)
    exported = wire.ok(X, {})
    pack = exported["pack"]
    ok = wire.ok(
        I, {"pack": pack, "manifest_sha256": exported["manifest"]["sha256"], "verify_only": True}
    )
    assert ok["pack_sha256"] == exported["manifest"]["sha256"]
    tampered = copy.deepcopy(pack)
    tampered["nodes"][0]["title"] = "tampered"
    err = wire.err(
        I,
        {"pack": tampered, "manifest_sha256": exported["manifest"]["sha256"]},
        400,
        "pack_hash_mismatch",
    )
    assert err["details"]["expected"] == exported["manifest"]["sha256"]
    assert err["details"]["actual"] == sha256hex(canon(tampered))


@pytest.mark.auth_off
def test_import_scope_mismatch(wire: Wire) -> None:
    _fill(wire)
    pack = wire.ok(X, {})["pack"]
    wire.err(I, {"pack": pack, "scope": wire.scope + "-elsewhere"}, 400, "pack_scope_mismatch")
    wire.err(I, {"pack": pack, "tenant_id": "acme"}, 400, "pack_scope_mismatch")
    resp = wire.http.post(I, json={"pack": pack}, headers={"X-Tenant-Id": "acme"})
    assert resp.status_code == 400
    assert resp.json()["error"] == "pack_scope_mismatch"


def test_import_edge_reference_missing(wire: Wire) -> None:
    pack = {
        "version": "aionis_pack_v1",
        "tenant_id": "default",
        "scope": wire.scope,
        "nodes": [{"id": "6e6e6e6e-0000-4000-8000-000000000001", "type": "event"}],
        "edges": [
            {
                "id": "6e6e6e6e-0000-4000-8000-000000000002",
                "type": "related_to",
                "src_id": "6e6e6e6e-0000-4000-8000-000000000001",
                "dst_id": "6e6e6e6e-0000-4000-8000-000000000009",
            }
        ],
        "commits": [],
        "decisions": [],
    }
    wire.err(I, {"pack": pack}, 400, "pack_edge_reference_missing")


@pytest.mark.parametrize(
    "pack",
    [
        {"version": "aionis_pack_v2", "nodes": [], "edges": [], "commits": [], "decisions": []},
        {"version": "aionis_pack_v1", "nodes": [{"type": "event"}], "edges": []},
        {"version": "aionis_pack_v1", "nodes": [{"id": "7e7e7e7e-0000-4000-8000-000000000001"}]},
    ],
)
def test_import_validation(wire: Wire, pack: dict[str, Any]) -> None:
    pack = {
        "tenant_id": "default",
        "scope": wire.scope,
        "edges": [],
        "commits": [],
        "decisions": [],
        **pack,
    }
    wire.err(I, {"pack": pack}, 400, "invalid_request")


async def test_sdk_verify_and_import(client: Api) -> None:
    await client(
        "memory.write",
        input_text="sdk pack",
        memory_lane="shared",
        nodes=[{"client_id": "a", "type": "event", "title": "A"}],
    )
    exported = await client("packs.export")
    verified = await client(
        "packs.verify", pack=exported["pack"], manifest_sha256=exported["manifest"]["sha256"]
    )
    assert verified["verified"] is True
    assert verified["imported"] is False
    imported = await client("packs.import_pack", pack=exported["pack"])
    assert imported["imported"] is True
    assert imported["nodes"] == 1


def test_import_maps_edges_by_node_ids_and_can_embed(wire: Wire) -> None:
    n1, n2 = "9e9e9e9e-0000-4000-8000-000000000001", "9e9e9e9e-0000-4000-8000-000000000002"
    pack = {
        "version": "aionis_pack_v1",
        "tenant_id": "default",
        "scope": wire.scope,
        "nodes": [
            {"id": n1, "type": "concept", "title": "imported alpha", "memory_lane": "shared"},
            {"id": n2, "type": "concept", "title": "imported beta", "memory_lane": "shared"},
        ],
        "edges": [
            {
                "id": "9e9e9e9e-0000-4000-8000-000000000003",
                "type": "part_of",
                "src_id": n1,
                "dst_id": n2,
            }
        ],
        "commits": [],
        "decisions": [],
        "extra_key": {"kept": True},
    }
    body = wire.ok(I, {"pack": pack, "auto_embed": True})
    assert body["nodes"] == 2
    assert body["edges"] == 1
    exported = wire.ok(X, {})["pack"]
    [edge] = exported["edges"]
    ids = {n["title"]: n["id"] for n in exported["nodes"]}
    assert (edge["src_id"], edge["dst_id"]) == (ids["imported alpha"], ids["imported beta"])
    seeds = wire.ok("/v1/memory/recall_text", {"query_text": "imported alpha"})["seeds"]
    assert {s["id"] for s in seeds} == set(ids.values()), "auto_embed=true makes them seeds"
