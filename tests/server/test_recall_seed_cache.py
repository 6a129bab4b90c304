"""Seed eligibility is decided from cached immutable facts per ``nodes.seq``: it must follow rule
state changes, see nodes that arrive later, keep databases apart and match the SQL definition."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from recall_support import DIM, add_node, axis, make_ctx

from aionis_server.config import ServerConfig
from aionis_server.context import ServerState
from aionis_server.embeddings import HashingEmbedder
from aionis_server.services.recall import recall_service
from aionis_server.services.recall_cache import SeedFacts, seed_facts
from aionis_server.storage.db import Database
from aionis_server.vectors import VectorIndex


def _state(db: Database, exact_threshold: int) -> ServerState:
    return ServerState(
        config=ServerConfig(embedding_dim=DIM),
        db=db,
        embedder=HashingEmbedder(DIM),
        vectors=VectorIndex(db, DIM, exact_threshold=exact_threshold),
    )


@pytest.fixture(params=[5000, 2], ids=["exact", "hnsw"])
def state(request: pytest.FixtureRequest) -> Iterator[ServerState]:
    db = Database(":memory:")
    yield _state(db, request.param)
    db.close()


def _seeds(state: ServerState, vector: list[float], **body: object) -> list[str]:
    out = recall_service(make_ctx(state), {"query_embedding": vector, "limit": 5, **body})
    return [s["id"] for s in out["seeds"]]


def _filler(state: ServerState, count: int = 6) -> None:
    for i in range(count):
        add_node(state.db, f"filler{i}", vector=axis(8 + i % 8))


def test_rule_state_changes_are_seen_although_its_facts_are_cached(state: ServerState) -> None:
    _filler(state)
    rule = add_node(state.db, "rule", vector=axis(0), type="rule", rule_state="draft")
    assert rule not in _seeds(state, axis(0))
    assert len(seed_facts(state.db)) > 0
    for st, expected in [("shadow", True), ("disabled", False), ("active", True)]:
        with state.db.write() as conn:
            conn.execute("UPDATE rule_defs SET state = ? WHERE node_id = ?", (st, rule))
        assert (rule in _seeds(state, axis(0))) is expected, st


def test_a_node_written_after_a_recall_becomes_a_seed(state: ServerState) -> None:
    _filler(state)
    first = _seeds(state, axis(1))
    late = add_node(state.db, "late", vector=axis(1))
    assert late not in first
    assert _seeds(state, axis(1))[0] == late


def test_visibility_is_per_consumer_on_cached_facts(state: ServerState) -> None:
    _filler(state)
    mine = add_node(state.db, "mine", vector=axis(2), lane="private", owner_agent_id="a")
    team = add_node(state.db, "team", vector=axis(2), lane="private", owner_team_id="t")
    assert {mine, team}.isdisjoint(_seeds(state, axis(2)))
    assert mine in _seeds(state, axis(2), consumer_agent_id="a")
    assert team not in _seeds(state, axis(2), consumer_agent_id="a")
    assert team in _seeds(state, axis(2), consumer_team_id="t")
    assert {mine, team}.isdisjoint(_seeds(state, axis(2), consumer_agent_id="b"))


def test_static_conditions_match_the_spec(state: ServerState) -> None:
    _filler(state)
    ok = add_node(
        state.db, "topic-ok", vector=axis(3), type="topic", slots={"topic_state": "active"}
    )
    plain = add_node(state.db, "topic-plain", vector=axis(3), type="topic")
    archived = add_node(
        state.db, "topic-archived", vector=axis(3), type="topic", slots={"topic_state": "x"}
    )
    cold = add_node(state.db, "cold", vector=axis(3), tier="cold")
    proc = add_node(state.db, "proc", vector=axis(3), type="procedure")
    pending = add_node(state.db, "pending", vector=axis(3), status="pending")
    other = add_node(state.db, "other-scope", vector=axis(3), scope_key="elsewhere")
    for _ in range(2):  # the second round runs on cached facts
        seeds = _seeds(state, axis(3), limit=10)
        assert {ok, plain} <= set(seeds)
        assert {archived, cold, proc, pending, other}.isdisjoint(seeds)


def test_facts_are_per_database() -> None:
    first, second = Database(":memory:"), Database(":memory:")
    try:
        a, b = _state(first, 2), _state(second, 2)
        for st in (a, b):
            _filler(st)
        # the same name gives the same node id and seq in both files; only one is private
        twin = add_node(first, "twin", vector=axis(4))
        same = add_node(second, "twin", vector=axis(4), lane="private", owner_agent_id="z")
        assert twin == same
        for _ in range(2):
            assert _seeds(a, axis(4))[0] == twin
            assert twin not in _seeds(b, axis(4))
            assert _seeds(b, axis(4), consumer_agent_id="z")[0] == twin
        assert seed_facts(first) is not seed_facts(second)
    finally:
        first.close()
        second.close()


def test_seed_facts_stay_bounded() -> None:
    from aionis_server.services.recall_cache import SeedFact

    facts = SeedFacts(capacity=10)
    for seq in range(25):
        facts.put(seq, SeedFact(str(seq), "s", True, "shared", None, None, False))
    assert len(facts) <= 10
    assert facts.get(24) is not None
    assert facts.get(0) is None
