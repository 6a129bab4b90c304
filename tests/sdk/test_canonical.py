"""Canonical JSON, hashes and deterministic ids against the spec's test vector (§5.5–§5.7)."""

from __future__ import annotations

import math

import pytest

from aionis_sdk.canonical import (
    canon,
    commit_hash,
    edge_id,
    node_id_for_client_id,
    scope_key,
    sha256hex,
    stable_uuid,
)

VECTOR_TEXT = "User prefers pytest over unittest for python projects"
EVT_ID = "e3eb742f-ee16-5329-8a84-7285e922deb7"
ENT_ID = "b09aa42e-4bd7-564d-9737-d7d1e755b807"
EDGE_ID = "86414a11-ed2a-5599-b66a-5237c652f7c6"
COMMIT_HASH = "04cf12f4f88e62288a05a26b05c4c38d2a9ac86def84afa25b4e37eddda53a2c"
COMMIT_ID = "4c1f7005-fdad-596f-96c3-5282ec14ba8d"


def test_spec_test_vector_node_and_edge_ids() -> None:
    assert node_id_for_client_id("evt_1") == EVT_ID
    assert node_id_for_client_id("  ent_pytest ") == ENT_ID
    assert edge_id("default", "related_to", "evt_1", "ent_pytest", input_key=VECTOR_TEXT) == EDGE_ID
    assert (
        node_id_for_client_id("evt_1", tenant_id="acme") == "c5f0897f-f779-5d12-93e6-d7381e0f3afa"
    )


def test_spec_test_vector_commit_hash_and_id() -> None:
    owner = {
        "producer_agent_id": "local-user",
        "owner_agent_id": "local-user",
        "owner_team_id": None,
    }
    diff = {
        "redaction": {},
        "nodes": [
            {
                "id": EVT_ID,
                "client_id": "evt_1",
                "type": "event",
                "memory_lane": "private",
                **owner,
            },
            {
                "id": ENT_ID,
                "client_id": "ent_pytest",
                "type": "entity",
                "title": "pytest",
                "memory_lane": "private",
                **owner,
            },
        ],
        "edges": [{"id": EDGE_ID, "type": "related_to", "src_id": EVT_ID, "dst_id": ENT_ID}],
    }
    digest = commit_hash(
        {
            "parentHash": "",
            "inputSha": sha256hex(VECTOR_TEXT),
            "diffSha": sha256hex(canon(diff)),
            "scope": "default",
            "actor": "local-user",
            "model_version": None,
            "prompt_version": None,
        }
    )
    assert digest == COMMIT_HASH
    assert stable_uuid("lite:commit:" + digest) == COMMIT_ID


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "1"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (100.0, "100"),
        (1e16, "10000000000000000"),
        (123456789012345680000.0, "123456789012345680000"),
        (1e21, "1e+21"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (0.30000000000000004, "0.30000000000000004"),
        (2**60, "1152921504606847000"),
        (42, "42"),
    ],
)
def test_numbers_are_written_like_ecmascript(value: float, expected: str) -> None:
    assert canon(value) == expected


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_rejected(value: float) -> None:
    with pytest.raises(ValueError, match="cannot encode"):
        canon(value)


def test_objects_sort_keys_by_utf16_code_units_and_keep_nulls() -> None:
    # U+1F600 is the surrogate pair D83D DE00 in UTF-16, so it sorts before U+FF5E there,
    # although it comes after it in code-point order.
    value = {"b": None, "a": [1, True, False], "\U0001f600": 1, "\uff5e": 2, "A": "é\n\x01"}
    assert canon(value) == '{"A":"é\\n\\u0001","a":[1,true,false],"b":null,"😀":1,"～":2}'


def test_unsupported_types_are_rejected() -> None:
    with pytest.raises(TypeError):
        canon({"x": {1, 2}})
    with pytest.raises(TypeError):
        canon({1: "non-string key"})


def test_scope_key_and_empty_client_id() -> None:
    assert scope_key("default", "s") == "s"
    assert scope_key("acme", "s") == "tenant:acme::scope:s"
    with pytest.raises(ValueError, match="client_id"):
        node_id_for_client_id("   ")
