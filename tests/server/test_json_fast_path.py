"""The orjson fast path of request parsing gives what the ``json`` path gives."""

from __future__ import annotations

import json

import pytest

from aionis_server import api
from aionis_server.errors import ApiError

SAME = [
    b'{"a": 1, "b": [1.5, -0.0, 1e-400, 1E5], "c": {"d": null, "e": true}}',
    b'{"a": 1, "b": 2, "a": 3}',
    b'{"big": 123456789012345678901234567890, "s": "x"}',
    b'{"neg": -9223372036854775809}',
    b'{"u": "\\u00e9\\ud83d\\ude00", "raw": "\xc3\xa9"}',
    b' {"k": "v"} ',
]


@pytest.mark.parametrize("raw", SAME)
def test_same_value_as_json(raw: bytes) -> None:
    parsed = api.parse_json_object(raw)
    assert parsed == json.loads(raw)
    assert [type(v) for v in parsed.values()] == [type(v) for v in json.loads(raw).values()]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"a": NaN}', "invalid_json"),
        (b'{"a": 1e400}', "invalid_json"),
        (b"[1, 2]", "invalid_request"),
        (b'{"a": "\\ud800"}', "invalid_request"),
        (b'{"\\udc00": 1}', "invalid_request"),
        (b'{"a": ' + b"[" * 150 + b"]" * 150 + b"}", "invalid_request"),
        (b'{"a": 1} x', "invalid_json"),
    ],
)
def test_same_errors(raw: bytes, code: str) -> None:
    with pytest.raises(ApiError) as info:
        api.parse_json_object(raw)
    assert info.value.code == code


def test_fast_path_taken_for_plain_bodies() -> None:
    assert api._fast_parse(b'{"nodes": [{"slots": {"b": "QUJD"}}]}') is not None
    assert api._fast_parse(b'{"n": 123456789012345678901234567890}') is None  # beyond 64 bits
    assert api._fast_parse(b'{"n": [1, {"x": 1e19}]}') is None  # maybe a long integer


@pytest.mark.parametrize("leaf", [b'"s"', b"1", b"null"])
def test_depth_edge_matches_json_path(leaf: bytes) -> None:
    for levels in (99, 100, 101):
        raw = b'{"a": ' + b"[" * levels + leaf + b"]" * levels + b"}"
        try:
            value = json.loads(raw)
            api._check_tree(value)
            expected: object = value
        except ApiError as exc:
            expected = exc.code
        try:
            got: object = api.parse_json_object(raw)
        except ApiError as exc:
            got = exc.code
        assert got == expected, levels
