"""Packs (§7.8): export, verify, import, tamper detection, admin token."""

from __future__ import annotations

import copy

from server_support import VECTOR_WRITE, error_code, live_client

from aionis_sdk.canonical import canon, sha256hex


def test_round_trip_and_tamper() -> None:
    with live_client() as c:
        c.post("/v1/memory/write", json=VECTOR_WRITE)
        rule = {
            "input_text": "rule",
            "nodes": [
                {"client_id": "r1", "type": "rule", "slots": {"then": {"tool": {"deny": ["rm"]}}}}
            ],
        }
        c.post("/v1/memory/write", json=rule)
        exported = c.post("/v1/memory/packs/export", json={"include_decisions": True}).json()
        manifest, pack = exported["manifest"], exported["pack"]
        assert manifest["sha256"] == sha256hex(canon(pack))
        assert manifest["counts"] == {"nodes": 3, "edges": 1, "commits": 2, "decisions": 0}
        sha = manifest["sha256"]

        verify = c.post(
            "/v1/memory/packs/import",
            json={"pack": pack, "manifest_sha256": sha, "verify_only": True},
        ).json()
        assert verify["imported"] is False
        assert verify["planned"]["nodes"] == 3

        tampered = copy.deepcopy(pack)
        tampered["nodes"][0]["title"] = "evil"
        r = c.post("/v1/memory/packs/import", json={"pack": tampered, "manifest_sha256": sha})
        assert error_code(r) == "pack_hash_mismatch"
        assert r.json()["details"] == {
            "contract": "error_v1",
            "expected": sha,
            "actual": sha256hex(canon(tampered)),
        }

        assert (
            error_code(c.post("/v1/memory/packs/import", json={"pack": pack, "scope": "x"}))
            == "pack_scope_mismatch"
        )
        broken = copy.deepcopy(pack)
        broken["edges"][0]["src_id"] = "11111111-1111-4111-8111-111111111111"
        broken["edges"][0]["src_client_id"] = None
        assert (
            error_code(c.post("/v1/memory/packs/import", json={"pack": broken}))
            == "pack_edge_reference_missing"
        )

        moved = copy.deepcopy(pack)
        moved["scope"] = "copy"
        first = c.post("/v1/memory/packs/import", json={"pack": moved}).json()
        second = c.post("/v1/memory/packs/import", json={"pack": moved}).json()
        assert first["imported"] is True
        assert second["commit_id"] == first["commit_id"]  # idempotent re-import
        copy_export = c.post("/v1/memory/packs/export", json={"scope": "copy"}).json()["pack"]
        assert {n["client_id"] for n in copy_export["nodes"]} == {
            n["client_id"] for n in pack["nodes"]
        }
        assert {n["id"] for n in copy_export["nodes"]}.isdisjoint({n["id"] for n in pack["nodes"]})


def test_max_rows_truncates_per_section() -> None:
    with live_client() as c:
        c.post("/v1/memory/write", json=VECTOR_WRITE)
        out = c.post("/v1/memory/packs/export", json={"max_rows": 1}).json()["manifest"]
        assert out["counts"]["nodes"] == 1
        assert out["truncated"] == {
            "nodes": True,
            "edges": False,
            "commits": False,
            "decisions": False,
        }


def test_admin_token_guards_packs() -> None:
    with live_client(admin_token="s3cret-admin") as c:
        r = c.post("/v1/memory/packs/export", json={})
        assert r.status_code == 401
        assert error_code(r) == "unauthorized_admin"
        assert (
            c.post(
                "/v1/memory/packs/export", json={}, headers={"x-admin-token": "wrong"}
            ).status_code
            == 401
        )
        assert (
            c.post(
                "/v1/memory/packs/export", json={}, headers={"x-admin-token": "s3cret-admin"}
            ).status_code
            == 200
        )
