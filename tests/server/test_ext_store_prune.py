"""ext.store_index keeps only versions that can still be a head, with the same answers.

A random history of versions (owners private to agents or teams or shared, racing and
out-of-order record seqs, touches that reuse an earlier version's texts, texts arriving before
or after their version) is fed to a :class:`Scope`; after every step, each consumer's head,
visible recency and head texts must be what the full history gives."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from aionis_server.services.ext_store_index import Owner, Scope, Text, Version

DIM = 4
OWNERS = [
    Owner("shared", None, None),
    Owner("private", "A", None),
    Owner("private", "B", None),
    Owner("private", None, "T"),
    Owner("private", "A", "T"),
]
CONSUMERS = [(None, None), ("A", None), ("B", None), (None, "T"), ("A", "T"), ("C", "U")]


def _version(n: int, name: str, seq: int, owner: Owner, created: str, texts_of: str) -> Version:
    record: dict[str, Any] = {"item": name, "seq": seq, "texts_of": texts_of}
    return Version(
        node_seq=n,
        node_id=f"node-{n:05d}",
        client_id=f"lgstore:{name}:{seq}:{n}",
        commit_id=f"c{n}",
        created_at=created,
        owner=owner,
        record=record,
        seq=seq,
        ns=("ns",),
        deleted=False,
        expires=None,
    )


class Reference:
    """The full history, answered the slow way."""

    def __init__(self) -> None:
        self.versions: dict[str, list[Version]] = {}
        self.texts: dict[str, list[tuple[int, Owner, tuple[float, ...]]]] = {}

    def head(self, name: str, agent: str | None, team: str | None) -> Version | None:
        seen = [v for v in self.versions[name] if v.owner.visible_to(agent, team)]
        return max(seen, key=lambda v: v.order) if seen else None

    def recency(self, name: str, agent: str | None, team: str | None) -> tuple[str, str] | None:
        seen = [v.recency for v in self.versions[name] if v.owner.visible_to(agent, team)]
        return max(seen) if seen else None


def _texts(scope: Scope, key: str | None, agent: str | None, team: str | None) -> list[Any]:
    if key is None:
        return []
    rows = [t.row for t in scope.texts.get(key, []) if t.owner.visible_to(agent, team)]
    return sorted(tuple(scope.mat[r].tolist()) for r in rows if r >= 0)


def _reload(scope: Scope, ref: Reference) -> None:
    """What StoreIndex.sync does with the database: texts of keys used again come back."""
    while scope.reload:
        key = scope.reload.pop()
        have = {t.node_seq for t in scope.texts.get(key, [])}
        for seq, owner, vector in ref.texts.get(key, []):
            if seq not in have:
                scope.add_text(key, Text(seq, owner, -1), np.array(vector, "f4"))


def _add_text(scope: Scope, ref: Reference, key: str, n: int, owner: Owner, rng: Any) -> None:
    vector = tuple(rng.randrange(64) / 8 for _ in range(DIM))  # exact in float32
    expect_kept = key not in scope.dead_keys
    kept = scope.add_text(key, Text(n, owner, -1), np.array(vector, "f4"))
    assert kept == expect_kept
    ref.texts.setdefault(key, []).append((n, owner, vector))


@pytest.mark.parametrize("seed", range(12))
def test_pruned_index_answers_like_the_full_history(seed: int) -> None:
    rng = random.Random(seed)
    scope, ref = Scope(DIM), Reference()
    names = [f"item{i}" for i in range(4)]
    last_key: dict[str, str] = {}
    for n in range(1, 400):
        name = rng.choice(names)
        owner = rng.choice(OWNERS[:2]) if rng.random() < 0.7 else rng.choice(OWNERS)
        seq = len(ref.versions.get(name, [])) + rng.choice([1, 1, 1, 0, -1, 2])
        minute = n + rng.choice([0, 0, 0, -3, 5])
        created = f"2026-12-05T10:{minute // 60:02d}:{minute % 60:02d}.000Z"
        touch = name in last_key and rng.random() < 0.2  # reuses the last version's texts
        key = last_key[name] if touch else f"k{n}"
        text_first = not touch and rng.random() < 0.3
        if text_first:
            _add_text(scope, ref, key, 10_000 + n, owner, rng)
        version = _version(n, name, max(1, seq), owner, created, key)
        scope.add_version(name, version)
        ref.versions.setdefault(name, []).append(version)
        _reload(scope, ref)
        last_key[name] = key
        if not touch and not text_first:
            _add_text(scope, ref, key, 10_000 + n, owner, rng)
        for check in names:
            if check not in ref.versions:
                continue
            item = scope.items[check]
            for agent, team in CONSUMERS:
                want = ref.head(check, agent, team)
                got = item.head(agent, team)
                assert (got.node_id if got else None) == (want.node_id if want else None)
                assert item.visible_recency(agent, team) == ref.recency(check, agent, team)
                if item.uniform:
                    assert item.versions[-1] is got or got is None
                if want is not None:
                    expected = sorted(
                        vector
                        for _, o, vector in ref.texts.get(want.texts_key() or "", [])
                        if o.visible_to(agent, team)
                    )
                    assert _texts(scope, want.texts_key(), agent, team) == expected
    kept_versions = sum(len(item.versions) for item in scope.items.values())
    assert kept_versions <= len(names) * len(OWNERS)  # one per owner and item at most
    live_rows = sum(1 for texts in scope.texts.values() for t in texts if t.row >= 0)
    assert scope.n - len(scope.free_rows) == live_rows


def test_a_rewritten_item_keeps_one_version_and_reuses_vector_rows() -> None:
    scope = Scope(DIM)
    owner = OWNERS[1]
    for n in range(1, 201):
        key = f"k{n}"
        scope.add_version("x", _version(n, "x", n, owner, f"2026-12-05T10:00:{n:03d}Z", key))
        assert scope.add_text(key, Text(1000 + n, owner, -1), np.ones(DIM, "f4") * n)
    item = scope.items["x"]
    assert [v.seq for v in item.versions] == [200]
    assert list(scope.texts) == ["k200"]
    assert scope.n <= 2  # one live row, one freed and reused
    assert scope.mat[scope.texts["k200"][0].row][0] == 200


def test_texts_of_a_version_dropped_on_arrival_are_not_kept() -> None:
    scope = Scope(DIM)
    owner = OWNERS[0]
    scope.add_version("x", _version(2, "x", 5, owner, "2026-12-05T10:00:02Z", "new"))
    scope.add_version("x", _version(3, "x", 4, owner, "2026-12-05T10:00:03Z", "late"))
    assert [v.seq for v in scope.items["x"].versions] == [5]
    assert not scope.add_text("late", Text(4, owner, -1), np.ones(DIM, "f4"))
    assert "late" not in scope.texts
    assert scope.items["x"].visible_recency(None, None) == ("2026-12-05T10:00:03Z", "node-00003")
