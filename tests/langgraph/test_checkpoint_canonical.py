"""The checkpointer's fast canonical JSON gives the spec's text, so commits still verify."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from aionis_langgraph import _records
from aionis_langgraph.checkpoint import _codec as codec
from aionis_sdk.canonical import canon

VALUES: list[Any] = [
    {"b": 1, "a": [True, False, None, -3, "x"]},
    {"é": "ünïcödé ✓", "z": {"y": {"x": []}}, "A": 'quote " backslash \\ tab \t nl \n'},
    ["\u2028\u2029", "\x00\x1f\x7f", "emoji 😀", "lone \udc80 surrogate"],
    {"key": 2**53 - 1, "neg": -(2**53) + 1},
    # Outside the fast path: canon's own encoder must answer.
    {"big": 2**53, "small": -(2**60)},
    {"f": 1.0, "g": 0.1, "h": 1e21, "i": -0.0},
    {"😀": 1, "\uffff": 2},  # UTF-16 order puts the emoji (a surrogate pair) first
    {"tuple": (1, "two")},
]


@pytest.mark.parametrize("value", VALUES)
def test_canonical_matches_canon(value: Any) -> None:
    assert codec.canonical(value) == canon(value)


def _records_of_a_step() -> list[tuple[str, dict[str, Any]]]:
    serde = JsonPlusSerializer()
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"text": "naïve ✓ 😀", "n": 3, "f": 0.5}
    writes = codec.writes_record(
        serde,
        thread_id="thread:é",
        gen=0,
        ns="",
        checkpoint_id=checkpoint["id"],
        task_id="task",
        task_path="~__pregel_pull, plan",
        writes=[("text", "x"), ("__error__", ValueError("boom"))],
    )
    ckpt = codec.checkpoint_record(
        serde,
        thread_id="thread:é",
        gen=0,
        ns="sub:1",
        checkpoint=checkpoint,
        metadata={"source": "loop", "step": 1, "parents": {}, "score": 0.25},
        parent_id=None,
    )
    tomb = codec.tombstone_record(thread_id="thread:é", gen=0, op="hide", hide=[("", "c1")])
    return [writes, ckpt, tomb]


def test_write_params_equal_the_shared_encoding() -> None:
    items = _records_of_a_step()
    assert all(codec._plain(record) for _, record in items)  # the fast path is taken
    identity = _records.Identity(agent_id="agent ✓", lane="shared")
    for batch in (items[:1], items[1:2], items):
        fast = codec.write_params(batch, identity, "parent")
        assert fast == _records.write_params(batch, identity, "parent")
    assert codec.write_params(items, identity, None) == _records.write_params(items, identity, None)
