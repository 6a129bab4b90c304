"""find's text filters (title_contains, text_contains, with or without slots_contains): pages
match an oracle over every node, in order, with Unicode case folding and paging."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from server_support import live_client

WORDS = ["Straße", "STRASSE", "Ärger", "ärger", "İstanbul", "ǅemal", "ﬁle", "FILE", "plain", ""]


def _node(rng: random.Random, i: int) -> dict[str, Any]:
    title = f"{rng.choice(WORDS)} {i % 7}"
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4)))
    node: dict[str, Any] = {
        "client_id": f"t{i}",
        "type": rng.choice(["event", "entity"]),
        "title": title,
        "slots": {"group": f"g{i % 3}", "big": "x" * rng.randint(0, 3000)},
    }
    if text:
        node["text_summary"] = text
    return node


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[httpx.Client, list[dict[str, Any]]]]:
    rng = random.Random(7)
    nodes = [_node(rng, i) for i in range(240)]
    with live_client() as client:
        for start in range(0, len(nodes), 40):  # several commits: created_at order matters
            body = {
                "input_text": "seed",
                "memory_lane": "shared",
                "nodes": nodes[start : start + 40],
            }
            assert client.post("/v1/memory/write", json=body).status_code == 200
        every = []
        offset = 0
        while True:  # the newest-first order with no text filter, as the oracle's base
            listing = {"limit": 200, "offset": offset, "include_slots": True}
            page = client.post("/v1/memory/find", json=listing).json()
            every += page["nodes"]
            if not page["page"]["has_more"]:
                break
            offset += 200
        assert len(every) == len(nodes)
        # The oracle reads the stored texts: the server normalises them on write (§5.4).
        yield client, every


def _oracle(nodes: list[dict[str, Any]], query: dict[str, Any]) -> list[str]:
    def keep(n: dict[str, Any]) -> bool:
        for key, field in (("title_contains", "title"), ("text_contains", "text_summary")):
            if key in query and query[key].casefold() not in (n.get(field) or "").casefold():
                return False
        pattern = query.get("slots_contains", {})
        return all(n["slots"].get(k) == v for k, v in pattern.items())

    return [n["client_id"] for n in nodes if keep(n)]


QUERIES = [
    {"title_contains": "strasse"},  # matches "Straße" too: casefold("ß") == "ss"
    {"title_contains": "ÄRGER"},
    {"text_contains": "file"},  # and the "ﬁ" ligature, which folds to "fi"
    {"text_contains": "i̇stanbul"},
    {"text_contains": "ǆemal"},
    {"text_contains": "nothing like this"},
    {"title_contains": " 3"},
    {"title_contains": "plain", "text_contains": "strasse"},
    {"text_contains": "ärger", "slots_contains": {"group": "g1"}},
    {"title_contains": "e", "slots_contains": {"group": "g2"}},
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(("limit", "offset"), [(200, 0), (7, 0), (7, 5), (3, 40), (5, 1000)])
def test_pages_match_the_oracle(
    seeded: tuple[httpx.Client, list[dict[str, Any]]],
    query: dict[str, Any],
    limit: int,
    offset: int,
) -> None:
    client, nodes = seeded
    expected = _oracle(nodes, query)
    r = client.post(
        "/v1/memory/find", json={**query, "limit": limit, "offset": offset, "include_slots": True}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    got = [n["client_id"] for n in body["nodes"]]
    assert got == expected[offset : offset + limit]
    assert body["page"]["has_more"] is (len(expected) > offset + limit)
    for n in body["nodes"]:  # full rows come back, slots included
        assert n["slots"]["group"] in {"g0", "g1", "g2"}
        assert n["title"]


def test_the_unfolded_forms_are_really_there(
    seeded: tuple[httpx.Client, list[dict[str, Any]]],
) -> None:
    """The queries above exercise folding only if both spellings were seeded."""
    _, nodes = seeded
    titles = " ".join(n["title"] or "" for n in nodes)
    assert "Straße" in titles
    assert "STRASSE" in titles
    texts = " ".join(n.get("text_summary") or "" for n in nodes)
    assert "ﬁle" in texts
    assert "FILE" in texts
