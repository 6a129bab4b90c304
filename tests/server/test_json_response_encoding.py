"""Responses encoded with orjson are byte-identical to the ``json`` encoding, or take that path.

``api.encode_json`` must give exactly what ``api.dump_json`` gives (or raise what it raises) for
every payload: orjson formats floats below 1e-4 differently, writes NaN and infinities as
``null`` and converts types ``json`` rejects, so those payloads must fall back.
"""

from __future__ import annotations

import enum
import math
import random
import struct
import uuid
from typing import Any

import pytest

from aionis_server import api


def _outcome(encode: Any, payload: Any) -> bytes | type[BaseException]:
    """What ``encode(payload)`` returns, or the type of what it raises."""
    try:
        out: bytes = encode(payload)
    except Exception as exc:
        return type(exc)
    return out


def _same(payload: Any) -> bytes:
    """``encode_json(payload)`` equals ``dump_json(payload)`` (value or exception type)."""
    got = _outcome(api.encode_json, payload)
    assert got == _outcome(api.dump_json, payload)
    assert isinstance(got, bytes)
    return got


TRICKY_FLOATS = [
    0.0,
    -0.0,
    1e-4,
    -1e-4,
    9.999999999999999e-05,
    1e-05,
    -1.5e-07,
    5e-324,
    2.2250738585072014e-308,
    0.1,
    1 / 3,
    123456.789,
    1e15,
    9999999999999998.0,
    1e16,
    -1.2345e17,
    1e22,
    1.7976931348623157e308,
    0.212625,
    0.7625,
]


@pytest.mark.parametrize("value", TRICKY_FLOATS)
def test_floats_are_written_as_repr_writes_them(value: float) -> None:
    out = _same({"v": value, "l": [value, {"x": value}]})
    assert repr(value).encode() in out


def test_random_float_bit_patterns() -> None:
    rng = random.Random(7)
    values: list[float] = []
    while len(values) < 20_000:
        value = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if math.isfinite(value):
            values.append(value)
    values += [rng.random() * 10.0 ** rng.randint(-9, 18) for _ in range(20_000)]
    for start in range(0, len(values), 500):
        _same({"values": values[start : start + 500]})


def test_strings_keys_and_integers() -> None:
    text = "".join(chr(cp) for cp in range(0x800)) + "\u2028\u2029\ufeff😀\U0010ffff"
    payload = {
        "text": text,
        text[:40]: "key with control characters",
        "quotes": 'a "b" \\ c / d',
        "ints": [0, -1, 2**53 + 1, 2**63 - 1, -(2**63), 2**64 - 1],
        "nested": ({"a": (1, 2.5, None, True, False)}, []),
        "looks like a tiny float": ":0.00001,[1e-7",
        "empty": {},
    }
    _same(payload)


class _Color(enum.Enum):
    RED = 1


@pytest.mark.parametrize(
    "payload",
    [
        {"nan": float("nan")},
        {"inf": [1.0, float("inf")]},
        {"neg_inf": {"x": -math.inf}},
        {"big": 2**64},
        {"small": -(2**63) - 1},
        {1: "int key", None: "null key", False: "bool key", 1.5: "float key"},
        {"nested": {2: "int key deeper"}},
        {"surrogate": "\ud800"},
        {"enum": _Color.RED},
        {"uuid": uuid.UUID(int=1)},
        {"set": {1, 2}},
        {"bytes": b"x"},
    ],
)
def test_payloads_orjson_would_write_differently_take_the_json_path(payload: Any) -> None:
    assert _outcome(api.encode_json, payload) == _outcome(api.dump_json, payload)


def test_subclasses_take_the_json_path() -> None:
    class Level(enum.IntEnum):
        HIGH = 3

    class Name(str, enum.Enum):
        A = "a"

    class Tagged(str):
        pass

    out = _same({"level": Level.HIGH, "name": Name.A, "tagged": Tagged("t"), Tagged("k"): 1})
    assert out == b'{"level":3,"name":"a","tagged":"t","k":1}'


def test_deep_and_cyclic_payloads_behave_as_json() -> None:
    deep: Any = "leaf"
    for _ in range(300):
        deep = {"d": [deep]}
    _same({"deep": deep})
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    with pytest.raises(ValueError):
        api.encode_json(cyclic)


class _Spy:
    """orjson, counting the encodings it produced."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.outputs: list[bytes] = []
        self.JSONDecodeError = real.JSONDecodeError

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def dumps(self, *args: Any, **kwargs: Any) -> bytes:
        out: bytes = self.real.dumps(*args, **kwargs)
        self.outputs.append(out)
        return out


def test_plain_payloads_are_encoded_by_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    import orjson

    spy = _Spy(orjson)
    monkeypatch.setattr(api, "_orjson", spy)
    plain = {"seeds": [{"id": "n1", "similarity": 0.8125, "salience": 0.5}], "ok": True}
    out = api.encode_json(plain)
    assert spy.outputs
    assert out is spy.outputs[-1]
    assert out == api.dump_json(plain)

    tiny = {"activation": 3.2e-05}
    assert api.encode_json(tiny) == b'{"activation":3.2e-05}'
    assert spy.outputs[-1] != b'{"activation":3.2e-05}'  # orjson wrote it differently


def test_respond_uses_the_same_bytes() -> None:
    payload = {"a": [1e-05, 0.5, "é"], "b": None}
    assert api.respond(None, payload).body == api.dump_json(payload)
