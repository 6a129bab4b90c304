"""Recall step 7–9 (§7.4): context text, items, citations, budgets, layers, rules, debug."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator

import numpy as np
import pytest
from recall_support import add_edge, add_node, axis, make_ctx, make_state

from aionis_server.context import ServerState
from aionis_server.errors import ApiError
from aionis_server.services.recall import recall_service, recall_text_service
from aionis_server.storage.db import Database


@pytest.fixture
def state() -> Iterator[ServerState]:
    db = Database(":memory:")
    yield make_state(db)
    db.close()


def _graph(state: ServerState) -> dict[str, str]:
    db = state.db
    ids = {
        "topic": add_node(
            db, "t", vector=axis(0), type="topic", title="Testing", text_summary="How we test"
        ),
        "entity": add_node(
            db, "e", vector=axis(0), type="entity", title="pytest", text_summary="A test runner"
        ),
        "event": add_node(
            db,
            "ev",
            vector=axis(0),
            title="Chose pytest",
            text_summary="User prefers pytest",
            raw_ref="s3://x",
        ),
        "rule": add_node(
            db, "r", vector=axis(0), type="rule", title="Use pytest", text_summary="Always pytest"
        ),
        "draft": add_node(
            db, "d", vector=axis(1), type="rule", rule_state="draft", title="Draft rule"
        ),
    }
    add_edge(db, ids["event"], ids["draft"], weight=1.0, confidence=1.0)
    return ids


def test_context_sections_lines_items_and_citations(state: ServerState) -> None:
    ids = _graph(state)
    out = recall_service(make_ctx(state), {"query_embedding": axis(0)})
    text = out["context"]["text"]
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Topics / Concepts",
        "## Entities",
        "## Supporting Events / Evidence",
        "## Applicable Rules (Shadow/Active)",
    ]
    assert f"- Testing: How we test (node:{ids['topic']})" in text
    assert f"- pytest: A test runner (node:{ids['entity']})" in text
    assert f"- Use pytest: Always pytest (node:{ids['rule']})" in text
    assert ids["draft"] not in text  # reached through an edge, but drafts are not applicable
    assert ids["draft"] in {n["id"] for n in out["subgraph"]["nodes"]}
    items = {i["node_id"]: i for i in out["context"]["items"]}
    assert set(items) == {ids["topic"], ids["entity"], ids["event"], ids["rule"]}
    event = items[ids["event"]]
    assert event["kind"] == "event"
    assert event["uri"] == f"aionis://default/default/event/{ids['event']}"
    assert event["tier"] == "hot"
    assert event["salience"] == 0.5
    assert event["commit_id"]
    assert event["similarity"] == pytest.approx(1.0)
    citation = next(c for c in out["context"]["citations"] if c["node_id"] == ids["event"])
    assert citation["raw_ref"] == "s3://x"
    assert citation["evidence_ref"] is None
    assert citation["commit_uri"].startswith("aionis://default/default/commit/")
    assert out["context"]["selection_stats"]["est_tokens"] == math.ceil(len(text) / 4)


def test_char_and_token_budgets_bound_the_text(state: ServerState) -> None:
    for i in range(30):
        add_node(state.db, f"n{i}", vector=axis(0), title=f"Item {i}", text_summary="x" * 300)
    full = recall_service(make_ctx(state), {"query_embedding": axis(0), "limit": 30})
    assert len(full["context"]["text"]) > 1000
    small = recall_service(
        make_ctx(state), {"query_embedding": axis(0), "limit": 30, "context_char_budget": 600}
    )
    assert 0 < len(small["context"]["text"]) <= 600
    assert small["context"]["selection_stats"]["dropped_by_budget"] > 0
    assert len(small["context"]["items"]) == len(small["context"]["citations"]) < 30
    tokens = recall_service(
        make_ctx(state), {"query_embedding": axis(0), "limit": 30, "context_token_budget": 100}
    )
    assert len(tokens["context"]["text"]) <= 400
    assert tokens["context"]["selection_stats"]["est_tokens"] <= 100
    aggressive = recall_service(
        make_ctx(state),
        {"query_embedding": axis(0), "limit": 30, "context_compaction_profile": "aggressive"},
    )
    assert len(aggressive["context"]["text"]) < len(full["context"]["text"])


def test_memory_layer_preference_filters_context_items(state: ServerState) -> None:
    l0 = add_node(state.db, "raw", vector=axis(0), slots={"compression_layer": "L0"})
    l2 = add_node(state.db, "sum", vector=axis(0), slots={"compression_layer": "L2"})
    plain = add_node(state.db, "plain", vector=axis(0))
    out = recall_service(
        make_ctx(state),
        {"query_embedding": axis(0), "memory_layer_preference": {"allowed_layers": ["L2"]}},
    )
    assert {i["node_id"] for i in out["context"]["items"]} == {l2, plain}
    assert {s["id"] for s in out["seeds"]} == {l0, l2, plain}
    with pytest.raises(ApiError) as err:
        recall_service(
            make_ctx(state),
            {
                "query_embedding": axis(0),
                "memory_layer_preference": {"allowed_layers": ["L2"], "x": 1},
            },
        )
    assert err.value.code == "invalid_request"
    assert err.value.issues[0]["path"].startswith("memory_layer_preference")


def test_rules_context_adds_rules_block(state: ServerState) -> None:
    _graph(state)
    base = {"query_embedding": axis(0)}
    assert "rules" not in recall_service(make_ctx(state), base)
    out = recall_service(make_ctx(state), {**base, "rules_context": {"intent": "x"}})
    rules = out["rules"]
    assert rules["considered"] >= 1
    assert {"active", "shadow", "applied", "matched"} <= set(rules)


def test_debug_embeddings_channel(state: ServerState) -> None:
    seed = add_node(state.db, "s", vector=axis(3))
    base = {"query_embedding": axis(3), "limit": 10}
    with pytest.raises(ApiError) as err:
        recall_service(make_ctx(state), {**base, "include_embeddings": True})
    assert err.value.code == "debug_embeddings_requires_return_debug"
    with pytest.raises(ApiError) as err:
        recall_service(
            make_ctx(state),
            {"query_embedding": axis(3), "include_embeddings": True, "return_debug": True},
        )
    assert err.value.code == "debug_embeddings_limit_too_high"  # the balanced preset's limit is 24
    out = recall_service(
        make_ctx(state), {**base, "include_embeddings": True, "return_debug": True}
    )
    (preview,) = out["debug"]["embeddings"]
    assert preview["node_id"] == seed
    assert preview["preview"] == axis(3)
    assert (
        preview["sha256"] == hashlib.sha256(np.asarray(axis(3), dtype="<f4").tobytes()).hexdigest()
    )
    assert (
        "embeddings" not in recall_service(make_ctx(state), {**base, "return_debug": True})["debug"]
    )
    locked = make_state(state.db, admin_token="s3cret")
    with pytest.raises(ApiError) as err:
        recall_service(make_ctx(locked), {**base, "include_embeddings": True, "return_debug": True})
    assert err.value.code == "debug_embeddings_not_allowed"
    ok = recall_service(
        make_ctx(locked, admin_token="s3cret"),
        {**base, "include_embeddings": True, "return_debug": True},
    )
    assert len(ok["debug"]["embeddings"]) == 1


def test_recall_text_embeds_query_and_reports_provider(state: ServerState) -> None:
    provider = state.embedder
    texts = {
        "pref": "User prefers pytest over unittest for python projects",
        "food": "Bananas ripen faster in a warm kitchen",
    }
    ids = {
        k: add_node(state.db, k, vector=provider.embed([t])[0].tolist(), text_summary=t)
        for k, t in texts.items()
    }
    add_edge(state.db, ids["pref"], ids["food"], weight=0.05, confidence=0.05)
    out = recall_text_service(
        make_ctx(state),
        {"query_text": "  which  test framework\n does the user prefer ", "limit": 1},
    )
    assert out["query"] == {
        "text": "which test framework does the user prefer",
        "embedding_provider": "deterministic-hash",
    }
    assert [s["id"] for s in out["seeds"]] == [ids["pref"]]
    assert out["observability"]["timings_ms"]["embed_ms"] >= 0


class _Broken:
    name = "broken"
    dim = 16

    def __init__(self, result: object = None, exc: Exception | None = None) -> None:
        self.result, self.exc = result, exc

    def embed(self, texts: list[str]) -> object:
        if self.exc is not None:
            raise self.exc
        return self.result


def test_provider_failures_map_to_503_and_502(state: ServerState) -> None:
    from aionis_server.embeddings import EmbeddingError

    body = {"query_text": "hello"}
    cases = [
        (_Broken(exc=ConnectionError("down")), 503, "upstream_embedding_unavailable"),
        (
            _Broken(exc=EmbeddingError("slow", retry_after_s=7)),
            503,
            "upstream_embedding_unavailable",
        ),
        (
            _Broken(exc=EmbeddingError("junk", bad_response=True)),
            502,
            "upstream_embedding_bad_response",
        ),
        (
            _Broken(result=np.zeros((1, 3), dtype=np.float32)),
            502,
            "upstream_embedding_bad_response",
        ),
        (
            _Broken(result=np.full((1, 16), np.nan, dtype=np.float32)),
            502,
            "upstream_embedding_bad_response",
        ),
    ]
    for provider, status, code in cases:
        broken = make_state(state.db, embedder=provider)  # type: ignore[arg-type]
        with pytest.raises(ApiError) as err:
            recall_text_service(make_ctx(broken), body)
        assert (err.value.status, err.value.code) == (status, code)
        if status == 503:
            assert int(err.value.headers["retry-after"]) >= 1
    slow = make_state(state.db, embedder=_Broken(exc=EmbeddingError("slow", retry_after_s=7)))  # type: ignore[arg-type]
    with pytest.raises(ApiError) as err:
        recall_text_service(make_ctx(slow), body)
    assert err.value.headers["retry-after"] == "7"


@pytest.mark.parametrize(
    "vector",
    [axis(0)[:-1], [*axis(0), 0.0], [*axis(0)[:-1], "x"], [*axis(0)[:-1], True], []],
)
def test_invalid_embedding_dimension(state: ServerState, vector: list[object]) -> None:
    with pytest.raises(ApiError) as err:
        recall_service(make_ctx(state), {"query_embedding": vector})
    assert err.value.status == 400
    assert err.value.code == "invalid_embedding_dimension"
    assert err.value.details == {"expected": 16, "actual": len(vector)}


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({}, "query_embedding"),
        ({"query_embedding": axis(0), "limit": 0}, "limit"),
        ({"query_embedding": axis(0), "neighborhood_hops": 3}, "neighborhood_hops"),
        ({"query_embedding": axis(0), "max_edges": 101}, "max_edges"),
        ({"query_embedding": axis(0), "min_edge_weight": 1.5}, "min_edge_weight"),
        ({"query_embedding": axis(0), "recall_strategy": "wide"}, "recall_strategy"),
        ({"query_embedding": axis(0), "context_token_budget": 256_001}, "context_token_budget"),
        ({"query_embedding": axis(0), "consumer_agent_id": ""}, "consumer_agent_id"),
    ],
)
def test_invalid_request_issues(state: ServerState, body: dict, path: str) -> None:
    with pytest.raises(ApiError) as err:
        recall_service(make_ctx(state), body)
    assert err.value.code == "invalid_request"
    assert err.value.issues[0]["path"] == path


def test_recall_text_rejects_blank_query(state: ServerState) -> None:
    for text in ("", "   \n "):
        with pytest.raises(ApiError) as err:
            recall_text_service(make_ctx(state), {"query_text": text})
        assert err.value.code == "invalid_request"
        assert err.value.issues[0]["path"] == "query_text"


def test_cached_uris_equal_make_uri() -> None:
    from aionis_server.services.recall_context import Uris
    from aionis_server.uris import make_uri

    uris = Uris("acme corp", "a/b")
    node = "0d6f1f10-c525-5e5a-8ccb-bf47827dc784"
    for kind, oid in [("event", node), ("commit", node), ("edge", "not/a uuid")]:
        assert uris(kind, oid) == make_uri("acme corp", "a/b", kind, oid)
