"""``ext.store_index``: the value filters of a store search and the liveness of a version.

The filter language is LangGraph's (``InMemoryStore``), so that a search answered through the
extension keeps exactly the items the client-side filter of ``aionis_langgraph`` keeps:

* a filter maps top-level value keys to conditions, combined with AND;
* a mapping whose keys start with ``$`` applies operators (``$eq $ne $gt $gte $lt $lte``);
  ordering operators compare as floats, and a missing or non-numeric value never satisfies one;
* a plain mapping matches a nested object key by key (extra stored keys are allowed);
* a list matches a stored list of the same length element by element;
* anything else is plain equality.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

OPERATORS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"})


def filter_problem(condition: Any, path: str = "filter") -> tuple[str, str] | None:
    """The first unsupported operator in a filter as ``(path, message)``; None if all are known."""
    if isinstance(condition, Mapping):
        for key, value in condition.items():
            where = f"{path}.{key}"
            if str(key).startswith("$") and key not in OPERATORS:
                return where, f"unsupported operator {key!r}"
            found = filter_problem(value, where)
            if found is not None:
                return found
    elif isinstance(condition, list):
        for i, value in enumerate(condition):
            found = filter_problem(value, f"{path}.{i}")
            if found is not None:
                return found
    return None


def _order(value: Any, operator: str, operand: Any) -> bool:
    try:
        left, right = float(value), float(operand)
    except (TypeError, ValueError, OverflowError):
        return False
    if operator == "$gt":
        return left > right
    if operator == "$gte":
        return left >= right
    if operator == "$lt":
        return left < right
    return left <= right


def apply_operator(value: Any, operator: str, operand: Any) -> bool:
    if operator == "$eq":
        return bool(value == operand)
    if operator == "$ne":
        return bool(value != operand)
    return _order(value, operator, operand)


def value_matches(stored: Any, condition: Any) -> bool:
    """Whether a stored JSON value satisfies one filter condition."""
    if isinstance(condition, Mapping):
        if any(str(k).startswith("$") for k in condition):
            return all(apply_operator(stored, op, arg) for op, arg in condition.items())
        if not isinstance(stored, Mapping):
            return False
        return all(value_matches(stored.get(k), v) for k, v in condition.items())
    if isinstance(condition, list):
        return (
            isinstance(stored, list)
            and len(stored) == len(condition)
            and all(value_matches(s, c) for s, c in zip(stored, condition, strict=True))
        )
    return bool(stored == condition)


def matches_filter(value: Any, condition: Mapping[str, Any] | None) -> bool:
    """Whether an item's value satisfies a whole filter (AND of its keys)."""
    if not condition:
        return True
    if not isinstance(value, Mapping):
        value = {}
    return all(value_matches(value.get(key), cond) for key, cond in condition.items())


def parse_time(text: str) -> datetime | None:
    """An ISO-8601 time as an aware datetime (naive means UTC); None if it does not parse."""
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
