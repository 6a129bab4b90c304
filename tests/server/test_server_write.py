"""POST /v1/memory/write: the §5.7 test vector, immutability, edge upsert, atomicity, warnings."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import httpx
import pytest
from server_support import LOCAL, VECTOR_WRITE, error_code, live_client


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with live_client() as c:
        yield c


def test_spec_test_vector(client: httpx.Client) -> None:
    r = client.post("/v1/memory/write", json=VECTOR_WRITE)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    body = r.json()
    assert [n["id"] for n in body["nodes"]] == [
        "e3eb742f-ee16-5329-8a84-7285e922deb7",
        "b09aa42e-4bd7-564d-9737-d7d1e755b807",
    ]
    assert body["edges"][0]["id"] == "86414a11-ed2a-5599-b66a-5237c652f7c6"
    assert body["commit_hash"] == "04cf12f4f88e62288a05a26b05c4c38d2a9ac86def84afa25b4e37eddda53a2c"
    assert body["commit_id"] == "4c1f7005-fdad-596f-96c3-5282ec14ba8d"
    assert (
        body["commit_uri"] == "aionis://default/default/commit/4c1f7005-fdad-596f-96c3-5282ec14ba8d"
    )
    # Replays are idempotent.
    again = client.post("/v1/memory/write", json=VECTOR_WRITE).json()
    assert again["commit_id"] == body["commit_id"]
    acme = client.post("/v1/memory/write", json={**VECTOR_WRITE, "tenant_id": "acme"}).json()
    assert acme["nodes"][0]["id"] == "c5f0897f-f779-5d12-93e6-d7381e0f3afa"
    assert acme["tenant_id"] == "acme"


def test_nodes_are_immutable(client: httpx.Client) -> None:
    first = {
        "input_text": "v1",
        "nodes": [
            {"client_id": "imm", "type": "entity", "title": "First", "memory_lane": "shared"}
        ],
    }
    second = {
        "input_text": "v2",
        "nodes": [
            {"client_id": "imm", "type": "entity", "title": "Second", "memory_lane": "shared"}
        ],
    }
    c1 = client.post("/v1/memory/write", json=first).json()
    c2 = client.post("/v1/memory/write", json=second).json()
    assert c1["nodes"][0]["id"] == c2["nodes"][0]["id"]
    assert c1["commit_id"] != c2["commit_id"]
    found = client.post("/v1/memory/find", json={"client_id": "imm", "include_meta": True}).json()
    assert found["nodes"][0]["title"] == "First"
    assert found["nodes"][0]["commit_id"] == c1["commit_id"]


def test_edge_upsert_keeps_stored_id_and_max_weight(client: httpx.Client) -> None:
    nodes = [
        {"client_id": "ea", "type": "entity", "title": "a"},
        {"client_id": "eb", "type": "entity", "title": "b"},
    ]
    edge = {
        "type": "related_to",
        "src": {"client_id": "ea"},
        "dst": {"client_id": "eb"},
        "weight": 0.9,
        "confidence": 0.2,
    }
    w1 = client.post(
        "/v1/memory/write", json={"input_text": "one", "nodes": nodes, "edges": [edge]}
    ).json()
    edge2 = {**edge, "weight": 0.3, "confidence": 0.8}
    w2 = client.post(
        "/v1/memory/write", json={"input_text": "two", "nodes": nodes, "edges": [edge2]}
    ).json()
    stored = w1["edges"][0]["id"]
    assert w2["edges"][0]["id"] == stored
    resolved = client.post(
        "/v1/memory/resolve", json={"uri": w1["edges"][0]["uri"], **LOCAL}
    ).json()["edge"]
    assert resolved["weight"] == 0.9
    assert resolved["confidence"] == 0.8
    assert resolved["commit_id"] == w2["commit_id"]


def test_edge_id_taken_by_another_edge_is_rejected(client: httpx.Client) -> None:
    nodes = [
        {"client_id": "xa", "type": "entity", "title": "a"},
        {"client_id": "xb", "type": "entity", "title": "b"},
        {"client_id": "xc", "type": "entity", "title": "c"},
    ]
    taken = "11111111-2222-5333-8444-555555555555"
    first = {
        "type": "related_to",
        "id": taken,
        "src": {"client_id": "xa"},
        "dst": {"client_id": "xb"},
    }
    w1 = client.post(
        "/v1/memory/write", json={"input_text": "x1", "nodes": nodes, "edges": [first]}
    )
    assert w1.status_code == 200, w1.text
    assert w1.json()["edges"][0]["id"] == taken
    # Same key, another id: the stored edge (and its id) is kept.
    again = {**first, "id": "11111111-2222-5333-8444-666666666666", "weight": 0.7}
    w2 = client.post(
        "/v1/memory/write", json={"input_text": "x2", "nodes": nodes, "edges": [again]}
    )
    assert w2.status_code == 200, w2.text
    assert w2.json()["edges"][0]["id"] == taken
    # Another key, the taken id: 400, and nothing of the write is stored.
    other = {**first, "dst": {"client_id": "xc"}}
    w3 = client.post(
        "/v1/memory/write", json={"input_text": "x3", "nodes": nodes, "edges": [other]}
    )
    assert w3.status_code == 400
    assert error_code(w3) == "invalid_request"
    assert w3.json()["issues"][0]["path"] == "edges.0.id"
    found = client.post(
        "/v1/memory/find", json={"client_id": "xa", "include_meta": True, **LOCAL}
    ).json()["nodes"]
    assert found[0]["commit_id"] == w1.json()["commit_id"]


def test_atomicity_nothing_stored_on_error(client: httpx.Client) -> None:
    body = {
        "input_text": "atomic",
        "nodes": [{"client_id": "atom_ok", "type": "event", "text_summary": "fine"}],
        "edges": [
            {
                "type": "related_to",
                "src": {"client_id": "atom_ok"},
                "dst": {"id": "00000000-0000-4000-8000-000000000000"},
            }
        ],
    }
    r = client.post("/v1/memory/write", json=body)
    assert r.status_code == 400
    assert error_code(r) == "edge_endpoint_not_found"
    found = client.post("/v1/memory/find", json={"client_id": "atom_ok", **LOCAL}).json()
    assert found["nodes"] == []


def test_parent_chaining(client: httpx.Client) -> None:
    root = client.post("/v1/memory/write", json={"input_text": "root", "nodes": []}).json()
    assert root["warnings"][0]["code"] == "write_no_nodes"
    child = client.post(
        "/v1/memory/write", json={"input_text": "child", "parent_commit_id": root["commit_id"]}
    ).json()
    commit = client.post("/v1/memory/resolve", json={"uri": child["commit_uri"]}).json()["commit"]
    assert commit["parent_id"] == root["commit_id"]


BASE = {"input_text": "x"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"nodes": [{"type": "event"}]}, "invalid_request"),
        (
            {
                **BASE,
                "nodes": [
                    {"client_id": "d", "type": "event"},
                    {"client_id": "d ", "type": "event"},
                ],
            },
            "duplicate_client_id_in_batch",
        ),
        (
            {
                **BASE,
                "nodes": [{"id": "11111111-1111-4111-8111-111111111111", "type": "event"}] * 2,
            },
            "duplicate_node_id_in_batch",
        ),
        (
            {**BASE, "nodes": [{"type": "event", "scope": "elsewhere"}]},
            "cross_scope_node_not_allowed",
        ),
        (
            {
                **BASE,
                "nodes": [{"client_id": "q", "type": "event"}],
                "edges": [
                    {
                        "type": "part_of",
                        "scope": "x2",
                        "src": {"client_id": "q"},
                        "dst": {"client_id": "q"},
                    }
                ],
            },
            "cross_scope_edge_not_allowed",
        ),
        (
            {
                **BASE,
                "nodes": [
                    {
                        "client_id": "m",
                        "id": "11111111-1111-4111-8111-111111111111",
                        "type": "event",
                    }
                ],
            },
            "client_id_id_mismatch",
        ),
        (
            {**BASE, "parent_commit_id": "11111111-1111-4111-8111-111111111111"},
            "parent_commit_not_found",
        ),
        (
            {
                **BASE,
                "edges": [
                    {"type": "part_of", "src": {"client_id": "nope"}, "dst": {"client_id": "nope"}}
                ],
            },
            "edge_endpoint_not_found",
        ),
        (
            {**BASE, "nodes": [{"type": "event", "embedding": [0.1, 0.2]}]},
            "invalid_embedding_dimension",
        ),
        ({"input_text": " \n\t ", "nodes": []}, "empty_after_normalization"),
        ({**BASE, "nodes": [{"client_id": "   ", "type": "event"}]}, "empty_after_normalization"),
        (
            {
                **BASE,
                "nodes": [{"type": "rule", "owner_agent_id": None}],
                "owner_agent_id": None,
                "producer_agent_id": None,
            },
            None,
        ),
        (
            {**BASE, "nodes": [{"type": "rule", "slots": {"rule_scope": "AGENT"}}]},
            "invalid_rule_scope_target",
        ),
        ({**BASE, "nodes": [{"type": "bogus"}]}, "invalid_request"),
        ({**BASE, "tenant_id": "bad tenant!"}, "invalid_tenant_id"),
        ({**BASE, "scope": "tenant:x"}, "invalid_scope"),
    ],
)
def test_write_400_codes(client: httpx.Client, body: dict[str, object], code: str | None) -> None:
    r = client.post("/v1/memory/write", json=body)
    if code is None:  # mode off owns the rule by the local id, so it is accepted
        assert r.status_code == 200
        return
    assert r.status_code == 400, r.text
    assert error_code(r) == code
    if code == "invalid_embedding_dimension":
        assert r.json()["details"]["expected"] == 1536
        assert r.json()["details"]["actual"] == 2
    if code.startswith("duplicate"):
        assert r.json()["details"]["first_index"] == 0
        assert r.json()["details"]["second_index"] == 1


def test_input_required_issue_path(client: httpx.Client) -> None:
    r = client.post("/v1/memory/write", json={"nodes": []})
    assert r.json()["issues"] == [{"path": "", "message": "must set input_text or input_sha256"}]


def test_node_id_scope_collision(client: httpx.Client) -> None:
    nid = "22222222-2222-4222-8222-222222222222"
    assert (
        client.post(
            "/v1/memory/write", json={**BASE, "nodes": [{"id": nid, "type": "event"}]}
        ).status_code
        == 200
    )
    r = client.post(
        "/v1/memory/write", json={**BASE, "scope": "s2", "nodes": [{"id": nid, "type": "event"}]}
    )
    assert error_code(r) == "node_id_scope_collision"


def test_empty_owner_string_is_invalid() -> None:
    with live_client(local_actor_id="local-user") as c:
        body = {
            "input_text": "r",
            "owner_agent_id": "",
            "nodes": [{"type": "rule", "memory_lane": "private"}],
        }
        # An explicit empty owner is not a valid owner string.
        assert c.post("/v1/memory/write", json=body).status_code == 400


def test_embeddings_and_text_normalisation(client: httpx.Client) -> None:
    vec = [0.0] * 1536
    vec[3] = 2.0
    body = {
        "input_text": "  lots   of\n\nspace ",
        "nodes": [
            {
                "client_id": "emb_client",
                "type": "entity",
                "title": "  a   b ",
                "embedding": vec,
                "memory_lane": "shared",
            },
            {
                "client_id": "emb_auto",
                "type": "entity",
                "title": "auto embedded",
                "memory_lane": "shared",
            },
            {"client_id": "emb_none", "type": "entity", "memory_lane": "shared"},
        ],
    }
    assert client.post("/v1/memory/write", json=body).status_code == 200
    nodes = client.post(
        "/v1/memory/find",
        json={"title_contains": "", "client_id": "emb_client", "include_meta": True},
    )
    assert nodes.status_code == 400  # empty title_contains is not a valid filter
    found = {
        n["client_id"]: n
        for n in client.post("/v1/memory/find", json={"include_meta": True, "limit": 200}).json()[
            "nodes"
        ]
        if n["client_id"] and n["client_id"].startswith("emb_")
    }
    assert found["emb_client"]["title"] == "a b"
    assert found["emb_client"]["embedding_model"] == "client"
    assert found["emb_auto"]["embedding_status"] == "ready"
    assert found["emb_auto"]["embedding_model"] == "deterministic-hash"
    assert found["emb_none"]["embedding_status"] == "failed"


def test_long_text_truncated(client: httpx.Client) -> None:
    body = {
        "input_text": "long",
        "nodes": [
            {
                "client_id": "long",
                "type": "event",
                "text_summary": "y" * 9000,
                "memory_lane": "shared",
            }
        ],
    }
    assert client.post("/v1/memory/write", json=body).status_code == 200
    node = client.post("/v1/memory/find", json={"client_id": "long"}).json()["nodes"][0]
    assert len(node["text_summary"]) == 8000
    assert node["text_summary"].endswith("…")


def test_redaction_when_enabled() -> None:
    with live_client(pii_redaction=True) as c:
        body = copy.deepcopy(
            {
                "input_text": "mail bob@example.com",
                "memory_lane": "shared",
                "nodes": [
                    {
                        "client_id": "pii",
                        "type": "event",
                        "text_summary": "call 555-123-4567 or 10.0.0.1",
                        "slots": {"ssn": "123-45-6789"},
                    }
                ],
            }
        )
        w = c.post("/v1/memory/write", json=body).json()
        commit = c.post("/v1/memory/resolve", json={"uri": w["commit_uri"]}).json()["commit"]
        assert commit["diff_json"]["redaction"] == {"email": 1, "ip": 1, "phone": 1, "ssn": 1}
        node = c.post("/v1/memory/find", json={"client_id": "pii", "include_slots": True}).json()[
            "nodes"
        ][0]
        assert "555-123-4567" not in node["text_summary"]
        assert node["slots"]["ssn"].startswith("[SSN#")
