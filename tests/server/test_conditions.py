"""The rule condition language (§7.9): table-driven tests for every operator and form."""

from __future__ import annotations

import math
from typing import Any

import pytest

from aionis_server.rules.conditions import (
    UNDEFINED,
    condition_paths,
    deep_equal,
    get_path,
    match,
    specificity,
    to_number,
)

CTX: dict[str, Any] = {
    "intent": "deploy",
    "env": "prod",
    "count": 3,
    "ratio": 0.5,
    "flag": True,
    "nothing": None,
    "tags": ["a", "b", {"k": 1}],
    "user": {"name": "ann", "roles": ["admin", "dev"], "profile": {"age": 41}},
    "steps": [{"tool": "pytest"}, {"tool": "ruff"}],
    "dotted.key": "literal",
}

# (pattern, value, expected)
CASES: list[tuple[Any, Any, bool]] = [
    # empty object always matches
    ({}, CTX, True),
    ({}, None, True),
    ({}, UNDEFINED, True),
    # direct properties and scalars
    ({"intent": "deploy"}, CTX, True),
    ({"intent": "Deploy"}, CTX, False),
    ({"intent": "deploy", "env": "dev"}, CTX, False),
    ({"missing": "x"}, CTX, False),
    ({"count": 3}, CTX, True),
    ({"count": 3.0}, CTX, True),
    ({"count": "3"}, CTX, False),
    ({"flag": True}, CTX, True),
    ({"flag": 1}, CTX, False),
    ({"count": True}, {"count": 1}, False),
    ({"nothing": None}, CTX, True),
    ({"missing": None}, CTX, False),
    # dotted paths through objects and arrays
    ({"user.name": "ann"}, CTX, True),
    ({"user.profile.age": 41}, CTX, True),
    ({"user.roles.0": "admin"}, CTX, True),
    ({"user.roles.1": "admin"}, CTX, False),
    ({"steps.1.tool": "ruff"}, CTX, True),
    ({"steps.2.tool": "ruff"}, CTX, False),
    ({"steps.01.tool": "ruff"}, CTX, False),
    ({"user.name.first": "ann"}, CTX, False),
    ({"dotted.key": "literal"}, CTX, False),
    # nested object patterns
    ({"user": {"profile": {"age": 41}}}, CTX, True),
    ({"user": {"profile": {"age": 40}}}, CTX, False),
    ({"user": "ann"}, CTX, False),
    # array patterns are subsets
    ({"tags": ["b", "a"]}, CTX, True),
    ({"tags": [{"k": 1}]}, CTX, True),
    ({"tags": ["c"]}, CTX, False),
    ({"tags": []}, CTX, True),
    ({"intent": []}, CTX, False),
    ({"user.roles": ["dev"]}, CTX, True),
    # $and / $or / $not
    ({"$and": [{"intent": "deploy"}, {"env": "prod"}]}, CTX, True),
    ({"$and": [{"intent": "deploy"}, {"env": "dev"}]}, CTX, False),
    ({"$and": []}, CTX, True),
    ({"$and": {"intent": "deploy"}}, CTX, False),
    ({"$or": [{"env": "dev"}, {"env": "prod"}]}, CTX, True),
    ({"$or": [{"env": "dev"}, {"env": "qa"}]}, CTX, False),
    ({"$or": []}, CTX, False),
    ({"$or": "x"}, CTX, False),
    ({"$not": {"env": "dev"}}, CTX, True),
    ({"$not": {"env": "prod"}}, CTX, False),
    # precedence: $and decides before $or and $not, other keys are ignored
    ({"$and": [{"env": "prod"}], "$or": [{"env": "dev"}]}, CTX, True),
    ({"$or": [{"env": "prod"}], "$not": {"env": "prod"}}, CTX, True),
    ({"$and": [{"env": "prod"}], "intent": "nope"}, CTX, True),
    # $eq / $ne
    ({"count": {"$eq": 3}}, CTX, True),
    ({"count": {"$eq": "3"}}, CTX, False),
    ({"user.roles": {"$eq": ["admin", "dev"]}}, CTX, True),
    ({"user.roles": {"$eq": ["dev", "admin"]}}, CTX, False),
    ({"user.profile": {"$eq": {"age": 41}}}, CTX, True),
    ({"count": {"$ne": 4}}, CTX, True),
    ({"count": {"$ne": 3}}, CTX, False),
    ({"missing": {"$ne": None}}, CTX, True),
    ({"nothing": {"$eq": None}}, CTX, True),
    ({"missing": {"$eq": None}}, CTX, False),
    # $exists: null counts as present
    ({"nothing": {"$exists": True}}, CTX, True),
    ({"nothing": {"$exists": False}}, CTX, False),
    ({"missing": {"$exists": False}}, CTX, True),
    ({"missing": {"$exists": True}}, CTX, False),
    ({"user.profile.age": {"$exists": True}}, CTX, True),
    ({"user.profile.height": {"$exists": False}}, CTX, True),
    # $in / $nin with deep equality
    ({"env": {"$in": ["dev", "prod"]}}, CTX, True),
    ({"env": {"$in": ["dev"]}}, CTX, False),
    ({"count": {"$in": ["3", True]}}, CTX, False),
    ({"user.profile": {"$in": [{"age": 41}]}}, CTX, True),
    ({"env": {"$in": "prod"}}, CTX, False),
    ({"env": {"$nin": ["dev", "qa"]}}, CTX, True),
    ({"env": {"$nin": ["prod"]}}, CTX, False),
    ({"missing": {"$nin": ["x"]}}, CTX, True),
    ({"env": {"$nin": "dev"}}, CTX, False),
    # numeric comparisons: value must be a number, operand is coerced
    ({"count": {"$gt": 2}}, CTX, True),
    ({"count": {"$gt": 3}}, CTX, False),
    ({"count": {"$gte": 3}}, CTX, True),
    ({"count": {"$lt": 3.5}}, CTX, True),
    ({"count": {"$lte": 2}}, CTX, False),
    ({"ratio": {"$lt": 1}}, CTX, True),
    ({"count": {"$gt": "2"}}, CTX, True),
    ({"count": {"$gt": " 2 "}}, CTX, True),
    ({"count": {"$gt": "abc"}}, CTX, False),
    ({"count": {"$gt": True}}, CTX, True),
    ({"count": {"$gt": None}}, CTX, True),
    ({"count": {"$gt": "0x2"}}, CTX, True),
    ({"count": {"$lt": "Infinity"}}, CTX, True),
    ({"count": {"$gt": {}}}, CTX, False),
    ({"flag": {"$gt": 0}}, CTX, False),
    ({"intent": {"$gt": "a"}}, CTX, False),
    ({"missing": {"$lt": 10}}, CTX, False),
    ({"nothing": {"$gte": 0}}, CTX, False),
    # $contains
    ({"intent": {"$contains": "plo"}}, CTX, True),
    ({"intent": {"$contains": "xyz"}}, CTX, False),
    ({"intent": {"$contains": 1}}, CTX, False),
    ({"tags": {"$contains": "a"}}, CTX, True),
    ({"tags": {"$contains": {"k": 1}}}, CTX, True),
    ({"tags": {"$contains": "z"}}, CTX, False),
    ({"count": {"$contains": 3}}, CTX, False),
    ({"user": {"$contains": "ann"}}, CTX, False),
    # $regex: unanchored search, strings only
    ({"intent": {"$regex": "^dep"}}, CTX, True),
    ({"intent": {"$regex": "ploy$"}}, CTX, True),
    ({"intent": {"$regex": "plo"}}, CTX, True),
    ({"intent": {"$regex": "^plo"}}, CTX, False),
    ({"count": {"$regex": "3"}}, CTX, False),
    ({"intent": {"$regex": 3}}, CTX, False),
    ({"intent": {"$regex": "("}}, CTX, False),
    # unknown operators never match; multi-key $ objects are property patterns
    ({"intent": {"$foo": "deploy"}}, CTX, False),
    ({"count": {"$gt": 1, "$lt": 5}}, CTX, False),
    ({"$gt": 1}, 5, True),
    # top-level scalar and array patterns
    ("deploy", "deploy", True),
    (1, True, False),
    (None, None, True),
    (None, UNDEFINED, False),
    ([1, 2], [2, 1, 3], True),
    ([1, 2], "12", False),
    # non-object values
    ({"a": 1}, "string", False),
    ({"0": "x"}, ["x"], True),
    ({"a": 1}, None, False),
]


@pytest.mark.parametrize(("pattern", "value", "expected"), CASES)
def test_match_table(pattern: Any, value: Any, expected: bool) -> None:
    assert match(pattern, value) is expected


@pytest.mark.parametrize(
    ("pattern", "value"),
    [(p, v) for p, v, _ in CASES if isinstance(p, dict) and p and "$not" not in p],
)
def test_not_negates_every_case(pattern: Any, value: Any) -> None:
    assert match({"$not": pattern}, value) is (not match(pattern, value))


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, 1.0, True),
        (1, True, False),
        (0, False, False),
        ("1", 1, False),
        (None, None, True),
        (None, UNDEFINED, False),
        (UNDEFINED, UNDEFINED, True),
        ([1, [2]], [1, [2]], True),
        ([1, 2], [1, 2, 3], False),
        ({"a": 1, "b": [True]}, {"b": [True], "a": 1}, True),
        ({"a": 1}, {"a": 1, "b": None}, False),
        ({"a": 1}, [("a", 1)], False),
    ],
)
def test_deep_equal(a: Any, b: Any, equal: bool) -> None:
    assert deep_equal(a, b) is equal
    assert deep_equal(b, a) is equal


def test_get_path_distinguishes_undefined_from_null() -> None:
    assert get_path({"a": None}, "a") is None
    assert get_path({"a": None}, "b") is UNDEFINED
    assert get_path({"a": None}, "a.b") is UNDEFINED
    assert get_path({"a": [{"b": 2}]}, "a.0.b") == 2
    assert get_path({"a": [1]}, "a.-1") is UNDEFINED


@pytest.mark.parametrize(
    ("operand", "number"),
    [
        (5, 5.0),
        (True, 1.0),
        (False, 0.0),
        (None, 0.0),
        ("", 0.0),
        ("  12.5 ", 12.5),
        ("1e3", 1000.0),
        ("-Infinity", -math.inf),
        ("0b101", 5.0),
        ("0o17", 15.0),
        ([], 0.0),
        (["7"], 7.0),
    ],
)
def test_to_number(operand: Any, number: float) -> None:
    assert to_number(operand) == number


@pytest.mark.parametrize("operand", ["abc", "inf", "nan", "1_000", {}, [1, 2], "0x", "--1"])
def test_to_number_nan(operand: Any) -> None:
    assert math.isnan(to_number(operand))


@pytest.mark.parametrize(
    ("pattern", "paths"),
    [
        ({}, []),
        ({"intent": "deploy"}, ["intent"]),
        ({"a": {"b": 1, "c": {"d": 2}}}, ["a.b", "a.c.d"]),
        ({"a.b": 1, "a": {"b": 2}}, ["a.b"]),
        ({"a": {"$gt": 1}}, ["a"]),
        ({"a": [1, 2]}, ["a"]),
        ({"a": {}}, ["a"]),
        ({"$and": [{"a": 1}, {"b": {"c": 1}}]}, ["a", "b.c"]),
        ({"$or": [{"a": 1}, {"a": 2}]}, ["a"]),
        ({"$not": {"x": {"y": None}}}, ["x.y"]),
        ({"a": {"$or": [{"b": 1}, {"c": 2}]}}, ["a.b", "a.c"]),
        ({"$and": [{"a": 1}], "z": 1}, ["a"]),
        ({"$gt": 1}, []),
    ],
)
def test_condition_paths(pattern: Any, paths: list[str]) -> None:
    assert condition_paths(pattern) == paths
    assert specificity(pattern) == len(paths)
