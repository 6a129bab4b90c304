"""The optional ``ext.store_index`` extension: /v1/ext/store/heads, search and namespaces.

Records are written over the stock ``/write`` in the layout of ``aionis_langgraph``'s store
(version nodes and text nodes), so these tests pin the server's reading of that layout:
visibility as ``/find`` (lanes, owners, tenants), tombstones and TTLs, order and paging,
filters, ranking by meaning, hostile input (4xx, never 500), and the off switch.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_support import error_code, live_client

from aionis_server.config import ApiKeyPrincipal
from aionis_server.testing import spawn_server

CAP = "ext.store_index"
ROUTES = (
    "/v1/ext/store/heads",
    "/v1/ext/store/search",
    "/v1/ext/store/namespaces",
    "/v1/ext/store/watch",
)
DIM = 64


def _scope() -> str:
    return "x-" + uuid.uuid4().hex[:12]


def version(
    c: httpx.Client,
    scope: str,
    item: str,
    seq: int,
    ns: list[str],
    *,
    op: str = "put",
    value: dict[str, Any] | None = None,
    lane: str = "private",
    owner: str = "alice",
    text: str | None = None,
    expires_at: str | None = None,
    headers: dict[str, str] | None = None,
    texts_of: str | None = None,
    texts: list[str] | None = None,
) -> dict[str, Any]:
    """Write one store version (and its text nodes: ``text``, or several ``texts``), as
    AionisStore lays them out; ``texts_of`` without texts: a touch that keeps an earlier
    version's texts."""
    texts = texts if texts is not None else ([text] if text else [])
    of = f"lgstore:{item}:{seq}:texts" if texts else texts_of
    record = {
        "lg": 1,
        "family": "store",
        "kind": "item",
        "ns": ns,
        "key": item,
        "item": item,
        "seq": seq,
        "op": op,
        "value": value if op != "delete" else None,
        "texts_of": of,
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00",
        "expires_at": expires_at,
    }
    nodes: list[dict[str, Any]] = [
        {"client_id": f"lgstore:{item}:{seq}", "type": "evidence", "slots": record}
    ]
    for n, one in enumerate(texts):
        nodes.append(
            {
                "client_id": f"{of}:t{n}",
                "type": "event",
                "text_summary": one,
                "slots": {"family": "store", "kind": "text", "item": item, "ns": ns, "of": of},
            }
        )
    body = {
        "scope": scope,
        "input_text": f"store {item} {seq}",
        "memory_lane": lane,
        "owner_agent_id": owner,
        "producer_agent_id": owner,
        "nodes": nodes,
    }
    r = c.post("/v1/memory/write", json=body, headers=headers or {})
    assert r.status_code == 200, r.text
    return record


def heads(c: httpx.Client, scope: str, items: list[str], **extra: Any) -> list[Any]:
    r = c.post("/v1/ext/store/heads", json={"scope": scope, "items": items, **extra})
    assert r.status_code == 200, r.text
    return [h and (h["slots"]["seq"], h["slots"]["op"]) for h in r.json()["heads"]]


def search(c: httpx.Client, scope: str, **body: Any) -> dict[str, Any]:
    r = c.post("/v1/ext/store/search", json={"scope": scope, **body})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def keys(resp: dict[str, Any]) -> list[str]:
    return [entry["version"]["slots"]["key"] for entry in resp["items"]]


@pytest.fixture(scope="module")
def c() -> Any:
    with live_client(embedding_dim=DIM) as client:
        yield client


def test_advertised_when_on(c: httpx.Client) -> None:
    assert CAP in c.get("/health").json()["capabilities"]


def test_heads_follow_lanes_and_keep_tombstones(c: httpx.Client) -> None:
    s = _scope()
    version(c, s, "a", 1, ["n"], value={"v": 1})
    version(c, s, "a", 2, ["n"], op="delete")
    version(c, s, "b", 1, ["n"], value={"v": 2}, owner="bob")
    version(c, s, "c", 1, ["n"], value={"v": 3}, lane="shared")
    items = ["a", "b", "c", "zz"]
    alice = {"consumer_agent_id": "alice"}
    assert heads(c, s, items, **alice) == [(2, "delete"), None, (1, "put"), None]
    assert heads(c, s, items, consumer_agent_id="bob") == [None, (1, "put"), (1, "put"), None]
    assert heads(c, s, items) == [None, None, (1, "put"), None]  # no consumer: shared only
    assert heads(c, _scope(), items, **alice) == [None, None, None, None]  # another scope
    # Search shows live heads only: a's tombstone hides it.
    assert keys(search(c, s, **alice)) == ["c"]
    assert keys(search(c, s, consumer_agent_id="bob")) == ["c", "b"]


def test_team_owned_items_are_visible_to_the_team(c: httpx.Client) -> None:
    s = _scope()
    body = {
        "scope": s,
        "input_text": "team item",
        "memory_lane": "private",
        "owner_team_id": "red",
        "nodes": [
            {
                "client_id": "lgstore:t:1",
                "type": "evidence",
                "slots": {
                    "family": "store",
                    "kind": "item",
                    "item": "t",
                    "key": "t",
                    "seq": 1,
                    "ns": ["team"],
                    "op": "put",
                    "value": {"v": 1},
                },
            }
        ],
    }
    assert c.post("/v1/memory/write", json=body).status_code == 200
    assert heads(c, s, ["t"], consumer_team_id="red") == [(1, "put")]
    assert heads(c, s, ["t"], consumer_team_id="blue", consumer_agent_id="alice") == [None]
    assert keys(search(c, s, consumer_team_id="red")) == ["t"]
    assert keys(search(c, s, consumer_team_id="blue")) == []


def test_an_item_whose_versions_differ_in_lane_shows_each_reader_its_newest_visible(
    c: httpx.Client,
) -> None:
    s = _scope()
    version(c, s, "d", 1, ["m"], value={"v": "public"}, lane="shared")
    version(c, s, "e", 1, ["m"], value={"v": "other"}, lane="shared")
    version(c, s, "d", 2, ["m"], value={"v": "secret"})  # private to alice
    assert heads(c, s, ["d"], consumer_agent_id="alice") == [(2, "put")]
    assert heads(c, s, ["d"], consumer_agent_id="bob") == [(1, "put")]
    bob = search(c, s, consumer_agent_id="bob")
    assert [e["version"]["slots"]["value"] for e in bob["items"]] == [
        {"v": "other"},
        {"v": "public"},
    ]
    alice = search(c, s, consumer_agent_id="alice")
    assert [e["version"]["slots"]["value"] for e in alice["items"]] == [
        {"v": "secret"},
        {"v": "other"},
    ]


def test_order_and_paging_match_find(c: httpx.Client) -> None:
    s = _scope()
    for i in range(23):
        version(c, s, f"p{i:02d}", 1, ["p", "x" if i % 2 else "y"], value={"i": i})
    version(c, s, "q0", 1, ["q"], value={"i": 99})
    version(c, s, "p03", 2, ["p", "x"], value={"i": 3, "again": True})
    found = c.post(
        "/v1/memory/find",
        json={
            "scope": s,
            "consumer_agent_id": "alice",
            "type": "evidence",
            "slots_contains": {"family": "store", "ns": ["p"]},
            "include_slots": True,
            "limit": 200,
        },
    ).json()["nodes"]
    expected: list[str] = []
    for node in found:  # newest first; an item placed by its newest version
        if node["slots"]["key"] not in expected:
            expected.append(node["slots"]["key"])
    assert expected[0] == "p03"
    pages = [
        search(c, s, consumer_agent_id="alice", namespace_prefix=["p"], limit=10, offset=o)
        for o in (0, 10, 20)
    ]
    assert [k for p in pages for k in keys(p)] == expected
    assert [p["page"]["has_more"] for p in pages] == [True, True, False]
    assert [p["page"]["returned"] for p in pages] == [10, 10, 3]
    only_x = keys(search(c, s, consumer_agent_id="alice", namespace_prefix=["p", "x"], limit=50))
    assert only_x == [k for k in expected if int(k[1:]) % 2]
    r = c.post("/v1/ext/store/namespaces", json={"scope": s, "consumer_agent_id": "alice"}).json()
    assert r["namespaces"] == [["p", "x"], ["p", "y"], ["q"]]


def test_ttl_is_evaluated_at_the_given_now(c: httpx.Client) -> None:
    s = _scope()
    version(c, s, "t", 1, ["t"], value={"v": 1}, expires_at="2026-06-01T00:00:00+00:00")
    version(c, s, "u", 1, ["t"], value={"v": 2})
    who = {"consumer_agent_id": "alice"}
    assert keys(search(c, s, now="2026-05-31T23:59:59Z", **who)) == ["u", "t"]
    assert keys(search(c, s, now="2026-06-01T00:00:00Z", **who)) == ["u"]
    ns = c.post("/v1/ext/store/namespaces", json={"scope": s, "now": "2027-01-01T00:00:00Z", **who})
    assert ns.json()["namespaces"] == [["t"]]
    assert heads(c, s, ["t"], **who) == [(1, "put")]  # heads do not judge liveness


def test_filters_follow_langgraph_semantics(c: httpx.Client) -> None:
    s = _scope()
    values = [
        {"n": 1, "tag": "a", "meta": {"x": 1, "y": 2}, "l": [1, 2]},
        {"n": 5, "tag": "b", "meta": {"x": 2}, "l": [1]},
        {"n": "7", "tag": "a", "l": [1, 2, 3]},
        {"tag": None},
    ]
    for i, value in enumerate(values):
        version(c, s, f"f{i}", 1, ["f"], value=value)
    who = {"consumer_agent_id": "alice"}

    def hits(condition: dict[str, Any]) -> list[str]:
        return sorted(keys(search(c, s, filter=condition, **who)))

    assert hits({"tag": "a"}) == ["f0", "f2"]
    assert hits({"n": {"$gt": 1, "$lte": 7}}) == ["f1", "f2"]  # "7" compares as a float
    assert hits({"n": {"$ne": 5}}) == ["f0", "f2", "f3"]
    assert hits({"meta": {"x": 1}}) == ["f0"]
    assert hits({"l": [1, 2]}) == ["f0"]
    assert hits({"tag": None}) == ["f3"]
    assert hits({"tag": "a", "n": {"$gte": 2}}) == ["f2"]


def test_ranking_by_meaning_uses_recalls_similarity(c: httpx.Client) -> None:
    s = _scope()
    version(c, s, "cat", 1, ["docs"], value={"k": 1}, text="the cat sat on the mat")
    version(c, s, "stock", 1, ["docs"], value={"k": 2}, text="stock markets fell sharply")
    version(c, s, "bare", 1, ["docs"], value={"k": 3})  # no text: unscored, last
    version(c, s, "old", 1, ["docs"], value={"k": 4}, text="cats and mats")
    version(c, s, "old", 2, ["docs"], value={"k": 5})  # the current version has no text
    who = {"consumer_agent_id": "alice"}
    resp = search(c, s, query_text="  a cat on the   mat ", **who)
    assert keys(resp)[:2] == ["cat", "stock"]
    assert sorted(keys(resp)[2:]) == ["bare", "old"]
    assert [e["score"] for e in resp["items"][2:]] == [None, None]
    recall = c.post(
        "/v1/memory/recall_text",
        json={"scope": s, "query_text": "a cat on the mat", "include_slots": True, **who},
    ).json()
    sims = {seed["id"]: seed["similarity"] for seed in recall["seeds"]}
    texts = c.post(
        "/v1/memory/find",
        json={"scope": s, "client_id": "lgstore:cat:1:texts:t0", **who},
    ).json()["nodes"]
    assert resp["items"][0]["score"] == pytest.approx(sims[texts[0]["id"]], abs=1e-6)
    by_vector = search(c, s, query_embedding=[1.0] + [0.0] * (DIM - 1), **who)
    assert sorted(keys(by_vector)) == ["bare", "cat", "old", "stock"]
    paged = search(c, s, query_text="cat on the mat", limit=1, offset=1, **who)
    assert keys(paged) == ["stock"]
    assert paged["page"]["has_more"] is True


def test_an_items_score_is_the_best_of_its_texts(c: httpx.Client) -> None:
    s = _scope()
    words = ["cat mat", "stock market", "river stone", "piano coffee", "rocket tiger"]
    for n, word in enumerate(words):  # one text each: the oracle
        version(c, s, f"one{n}", 1, ["single"], value={"n": n}, text=word)
    groups = [[], [0, 1], [], [2], [3, 4, 0], [], [1, 2, 3, 4]]  # texts per item, some none
    for n, group in enumerate(groups):
        version(c, s, f"many{n}", 1, ["multi"], value={"n": n}, texts=[words[i] for i in group])
    who = {"consumer_agent_id": "alice"}
    for query in ["a cat on a mat", "tiger rocket", "coffee"]:
        single = {
            e["version"]["slots"]["key"]: e["score"]
            for e in search(c, s, namespace_prefix=["single"], query_text=query, **who)["items"]
        }
        multi = search(c, s, namespace_prefix=["multi"], query_text=query, limit=20, **who)
        got = {e["version"]["slots"]["key"]: e["score"] for e in multi["items"]}
        want = {
            f"many{n}": max((single[f"one{i}"] for i in group), default=None)
            for n, group in enumerate(groups)
        }
        assert got == want  # exactly: a row's score does not depend on its batch
        scored = [e["score"] for e in multi["items"] if e["score"] is not None]
        assert scored == sorted(scored, reverse=True)
        assert [e["score"] for e in multi["items"]][len(scored) :] == [None] * 3


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("heads", {}),
        ("heads", {"items": []}),
        ("heads", {"items": "abc"}),
        ("heads", {"items": [1, 2]}),
        ("heads", {"items": ["x"] * 1001}),
        ("search", {"namespace_prefix": "abc"}),
        ("search", {"namespace_prefix": [""]}),
        ("search", {"namespace_prefix": [1]}),
        ("search", {"limit": 0}),
        ("search", {"limit": 100_000}),
        ("search", {"offset": -1}),
        ("search", {"filter": {"x": {"$regex": "a"}}}),
        ("search", {"filter": {"x": [{"$in": [1]}]}}),
        ("search", {"filter": "x"}),
        ("search", {"query_text": "a", "query_embedding": [1.0] * DIM}),
        ("search", {"query_embedding": [1.0, 2.0]}),
        ("search", {"query_text": "   "}),
        ("search", {"now": "yesterday"}),
        ("search", {"now": "2026-01-01T00:00:00"}),  # naive: ambiguous
        ("search", {"consumer_agent_id": ""}),
        ("namespaces", {"namespace_prefix": [None]}),
        ("namespaces", {"now": [2026]}),
    ],
)
def test_hostile_input_is_a_4xx_in_the_envelope(
    c: httpx.Client, route: str, body: dict[str, Any]
) -> None:
    r = c.post(f"/v1/ext/store/{route}", json=body)
    assert 400 <= r.status_code < 500, r.text
    wrong_dim = len(body.get("query_embedding") or [0] * DIM) != DIM
    assert error_code(r) == ("invalid_embedding_dimension" if wrong_dim else "invalid_request")


@pytest.mark.parametrize("raw", [b"[]", b"{", b'{"items": ["a"]', b"null"])
def test_malformed_bodies_are_a_4xx(c: httpx.Client, raw: bytes) -> None:
    for route in ROUTES:
        r = c.post(route, content=raw, headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500, (route, r.text)
        assert r.json()["details"]["contract"] == "error_v1"


def test_identity_and_tenants_come_from_the_credential() -> None:
    keys_ = {
        "ka": ApiKeyPrincipal(tenant_id="t1", agent_id="alice"),
        "kb": ApiKeyPrincipal(tenant_id="t1", agent_id="bob"),
        "kc": ApiKeyPrincipal(tenant_id="t2", agent_id="alice"),
    }
    with live_client(auth_mode="api_key", api_keys=keys_, embedding_dim=DIM) as c:
        s = "shared-scope"
        version(c, s, "a", 1, ["n"], value={"v": 1}, headers={"x-api-key": "ka"})

        def ask(key: str, **extra: Any) -> httpx.Response:
            return c.post(
                "/v1/ext/store/search", json={"scope": s, **extra}, headers={"x-api-key": key}
            )

        assert keys(ask("ka").json()) == ["a"]
        assert keys(ask("kb").json()) == []  # bob cannot see alice's private item
        assert ask("kb", consumer_agent_id="alice").status_code == 403  # nor pose as alice
        assert keys(ask("kc").json()) == []  # another tenant
        assert c.post("/v1/ext/store/search", json={"scope": s}).status_code == 401


def test_a_restarted_server_indexes_what_is_already_stored(tmp_path: Path) -> None:
    db = str(tmp_path / "ext.db")
    s = _scope()
    with live_client(db_path=db, embedding_dim=DIM) as c:
        version(c, s, "a", 1, ["n"], value={"v": 1})
        version(c, s, "a", 2, ["n"], value={"v": 2})
        version(c, s, "b", 1, ["n"], value={"v": 3})
        version(c, s, "b", 2, ["n"], op="delete")
    with live_client(db_path=db, embedding_dim=DIM) as c:
        assert heads(c, s, ["a", "b"], consumer_agent_id="alice") == [(2, "put"), (2, "delete")]
        version(c, s, "c", 1, ["n"], value={"v": 4})  # and keeps up with new writes
        assert keys(search(c, s, consumer_agent_id="alice")) == ["c", "a"]


def _assert_off(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as c:
        caps = c.get("/health").json()["capabilities"]
        assert CAP not in caps
        assert "find" in caps
        for route in ROUTES:
            r = c.post(route, json={"items": ["a"]})
            assert r.status_code == 404
            assert error_code(r) == "route_not_found"


def test_switched_off_in_config() -> None:
    with live_client(ext_store_index=False) as c:
        _assert_off(str(c.base_url))


def test_switched_off_by_cli_flag_and_by_env(tmp_path: Path) -> None:
    with spawn_server(str(tmp_path / "a.db"), no_ext_store_index=True) as url:
        _assert_off(url)
    with spawn_server(str(tmp_path / "b.db"), env={"AIONIS_EXT_STORE_INDEX": "0"}) as url:
        _assert_off(url)
    with spawn_server(str(tmp_path / "c.db")) as url:
        assert CAP in httpx.get(url + "/health").json()["capabilities"]


def test_the_index_is_built_in_the_background_at_start(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from aionis_server.app import build_state, close_state
    from aionis_server.config import ServerConfig
    from aionis_server.services.ext_store import warm_up

    db = str(tmp_path / "warm.db")
    s = _scope()
    with live_client(db_path=db, embedding_dim=DIM) as c:
        version(c, s, "a", 1, ["n"], value={"v": 1})
        version(c, s, "b", 1, ["n"], value={"v": 2}, text="warm words")
    state = build_state(ServerConfig(db_path=db, embedding_dim=DIM))
    try:
        app_state = SimpleNamespace()
        warm_up(app_state, state).join(timeout=60)
        index = app_state.ext_store_index
        with state.db.read() as conn:
            top = conn.execute("SELECT MAX(seq) FROM nodes").fetchone()[0]
        assert index.watermark == top  # caught up before any request asked
        assert set(index.scopes[next(iter(index.scopes))].items) >= {"a", "b"}
    finally:
        close_state(state)


def test_catch_up_reads_store_nodes_through_their_partial_index(tmp_path: Path) -> None:
    from aionis_server.app import build_state, close_state
    from aionis_server.config import ServerConfig
    from aionis_server.services.ext_store_index import _SYNC_SQL

    state = build_state(ServerConfig(db_path=str(tmp_path / "plan.db"), embedding_dim=DIM))
    try:
        with state.db.read() as conn:
            plan = " ".join(
                row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + _SYNC_SQL, (0, 1))
            )
    finally:
        close_state(state)
    assert "USING INDEX nodes_store_seq" in plan, plan  # not a scan of every node


def test_a_touch_of_a_dropped_version_gets_its_texts_back(c: httpx.Client) -> None:
    """Superseded versions and their vectors leave the index (memory follows live items);
    a later version that reuses such a version's texts reads them back from the database."""
    s = _scope()
    version(c, s, "a", 1, ["n"], value={"v": 1}, text="amber lantern harbor")
    assert heads(c, s, ["a"], consumer_agent_id="alice") == [(1, "put")]
    version(c, s, "a", 2, ["n"], value={"v": 2}, text="violet quarry engine")
    assert heads(c, s, ["a"], consumer_agent_id="alice") == [(2, "put")]  # v1 dropped now
    version(c, s, "a", 3, ["n"], value={"v": 3}, texts_of="lgstore:a:1:texts")
    found = search(c, s, query_text="amber lantern harbor", consumer_agent_id="alice")
    assert [(e["version"]["slots"]["seq"], round(e["score"], 4)) for e in found["items"]] == [
        (3, 1.0)
    ]
    other = search(c, s, query_text="violet quarry engine", consumer_agent_id="alice")
    assert other["items"][0]["score"] < 0.99  # v2's texts are not v3's
