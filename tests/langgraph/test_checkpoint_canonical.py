"""The records' fast canonical JSON gives the spec's text, so commits still verify."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from aionis_langgraph import _records
from aionis_langgraph.checkpoint import _codec as codec
from aionis_sdk.canonical import canon, sha256hex

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
    assert _records.canonical(value) == canon(value)


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


def test_input_sha256_equals_the_reference_encoding() -> None:
    items = _records_of_a_step()
    records = [record for _, record in items]
    assert all(_records._plain(record) for record in records)  # the fast path is taken
    assert _records.input_sha256(records[:1]) == sha256hex(canon(records[0]))
    assert _records.input_sha256(records) == sha256hex(canon(records))
    # A value outside the fast path (a float) goes through canon and still agrees.
    odd = [{"f": 0.1, "big": 2**60}, records[0]]
    assert not _records._plain(odd[0])
    assert _records.input_sha256(odd) == sha256hex(canon(odd))
    identity = _records.Identity(agent_id="agent ✓", lane="shared")
    params = _records.write_params(items, identity, "parent")
    assert params["input_sha256"] == sha256hex(canon(records))
    assert params["parent_commit_id"] == "parent"
