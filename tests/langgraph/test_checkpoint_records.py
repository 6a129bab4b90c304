"""Pure parts of the checkpointer: record encoding, keys, write merging, tombstones."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.serde.types import ERROR, INTERRUPT, RESUME

from aionis_langgraph._records import (
    Identity,
    client_id,
    decode_typed,
    encode_typed,
    input_sha256,
    parse_client_id,
    write_params,
)
from aionis_langgraph.checkpoint import _codec as codec
from aionis_sdk.canonical import canon, sha256hex

SERDE = JsonPlusSerializer()


def test_client_id_parts_are_escaped_and_parse_back() -> None:
    cid = client_id("lg:c", "thread:1/a b", 0, "sub:abc|x", "ckpt")
    assert cid.count(":") == 5
    assert parse_client_id(cid, "lg:c") == ["thread:1/a b", "0", "sub:abc|x", "ckpt"]
    long_id = client_id("lg:c", "t" * 500, 0, "", "c")
    assert len(long_id) < 120
    assert parse_client_id(long_id, "lg:c")[0].startswith("~")  # type: ignore[index]
    assert parse_client_id(cid, "lg:w") is None


def test_typed_payload_round_trip() -> None:
    typed = SERDE.dumps_typed({"x": [1, 2.5, "é"]})
    assert decode_typed(encode_typed(typed)) == typed


def test_input_sha_covers_the_record_or_batch() -> None:
    a, b = {"lg": 1, "v": "a"}, {"lg": 1, "v": "b"}
    assert input_sha256([a]) == sha256hex(canon(a))
    assert input_sha256([a, b]) == sha256hex(canon([a, b]))
    params = write_params([("k1", a)], Identity("agent"), "parent")
    assert params["input_sha256"] == sha256hex(canon(a))
    assert params["parent_commit_id"] == "parent"
    assert params["auto_embed"] is False
    assert params["nodes"][0]["owner_agent_id"] == "agent"
    assert params["nodes"][0]["slots"] == a


def _writes(task: str, writes: list[tuple[str, object]]) -> dict[str, object]:
    return codec.writes_record(
        SERDE,
        thread_id="t",
        gen=0,
        ns="",
        checkpoint_id="c",
        task_id=task,
        task_path="",
        writes=writes,
    )[1]


def test_regular_writes_keep_first_value_special_channels_latest() -> None:
    first = _writes("t1", [("ch", 1), (INTERRUPT, "first")])
    again = _writes("t1", [("ch", 2), (INTERRUPT, "second")])
    other = _writes("t0", [(RESUME, "r"), (ERROR, "boom")])
    merged = codec.merge_writes(SERDE, [again, other, first])  # order comes from the records
    assert merged == [
        ("t0", RESUME, "r"),  # writes_sort_key order: (task_path, task_id, idx)
        ("t0", ERROR, "boom"),
        ("t1", INTERRUPT, "second"),
        ("t1", "ch", 1),
    ]


def _writes_client_id(channel: str) -> str:
    """The client id of one write set with a single write to ``channel`` (fixed task)."""
    record = codec.writes_record(
        SERDE,
        thread_id="t",
        gen=0,
        ns="",
        checkpoint_id="c",
        task_id="x",
        task_path="",
        writes=[(channel, 1)],
    )
    return str(record[0])


def test_identical_regular_writes_share_a_client_id() -> None:
    # Regular channels are insert-if-absent: a replay maps onto the same node.
    assert _writes_client_id("ch") == _writes_client_id("ch")
    # Special channels (RESUME, ERROR, ...) overwrite: every write gets a fresh version.
    assert _writes_client_id(RESUME) != _writes_client_id(RESUME)


def test_tombstones_define_generation_and_hidden_checkpoints() -> None:
    assert codec.ThreadState.from_tombstones([]).gen == 0
    recs = [
        codec.tombstone_record(thread_id="t", gen=0, op="hide", hide=[("", "a")])[1],
        codec.tombstone_record(thread_id="t", gen=0, op="thread")[1],
        codec.tombstone_record(thread_id="t", gen=1, op="hide", hide=[("", "b"), ("x", "c")])[1],
    ]
    state = codec.ThreadState.from_tombstones(recs)
    assert state.gen == 1
    assert state.hidden == {("", "b"), ("x", "c")}


def test_next_version_is_text_sortable_and_increasing() -> None:
    v1 = codec.next_version(None)
    v2 = codec.next_version(v1)
    v10 = v2
    for _ in range(8):
        v10 = codec.next_version(v10)
    assert v1 < v2 < v10
    assert int(v10.split(".")[0]) == 10
    assert codec.next_version(7).startswith(f"{8:032}.")


def test_metadata_filter() -> None:
    assert codec.metadata_matches({"a": 1, "b": "x"}, {"a": 1})
    assert not codec.metadata_matches({"a": 1}, {"a": 2})
    assert codec.metadata_matches({"a": 1}, {"b": None})  # absent == None, as InMemorySaver
    assert codec.metadata_matches({"a": 1}, None)


def test_package_exports_resolve_lazily_and_match_all() -> None:
    import aionis_langgraph

    assert set(aionis_langgraph.__all__) == set(aionis_langgraph._EXPORTS)
    for name in aionis_langgraph.__all__:
        assert getattr(aionis_langgraph, name) is not None
    with pytest.raises(AttributeError):
        _ = aionis_langgraph.NoSuchThing
