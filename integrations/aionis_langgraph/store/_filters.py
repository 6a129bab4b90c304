"""Pure matching logic: search filters and namespace conditions (no I/O).

The semantics follow LangGraph's ``InMemoryStore`` so that a graph moved from it to
``AionisStore`` sees the same results:

* A filter is a mapping of top-level value keys to conditions, combined with AND.
* A condition that is a mapping whose keys start with ``$`` applies operators
  (``$eq $ne $gt $gte $lt $lte``); ordering operators compare as floats.
* A plain mapping matches a nested object key by key (extra stored keys are allowed).
* A list or tuple matches a stored list of the same length element by element.
* Anything else is plain equality.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langgraph.store.base import MatchCondition

__all__ = [
    "OPERATORS",
    "apply_operator",
    "literal_prefix",
    "matches_conditions",
    "matches_filter",
    "namespace_matches",
    "select_namespaces",
    "value_matches",
]

OPERATORS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"})


def apply_operator(value: Any, operator: str, operand: Any) -> bool:
    """Evaluate one ``$`` operator. A missing or non-numeric value never satisfies an order."""
    if operator == "$eq":
        return bool(value == operand)
    if operator == "$ne":
        return bool(value != operand)
    if operator not in OPERATORS:
        raise ValueError(f"Unsupported operator: {operator}")
    try:
        left, right = float(value), float(operand)
    except (TypeError, ValueError):
        return False
    if operator == "$gt":
        return left > right
    if operator == "$gte":
        return left >= right
    if operator == "$lt":
        return left < right
    return left <= right


def value_matches(stored: Any, condition: Any) -> bool:
    """Whether a stored JSON value satisfies one filter condition."""
    if isinstance(condition, Mapping):
        if any(str(k).startswith("$") for k in condition):
            return all(apply_operator(stored, op, operand) for op, operand in condition.items())
        if not isinstance(stored, Mapping):
            return False
        return all(value_matches(stored.get(k), v) for k, v in condition.items())
    if isinstance(condition, (list, tuple)):
        return (
            isinstance(stored, (list, tuple))
            and len(stored) == len(condition)
            and all(value_matches(s, c) for s, c in zip(stored, condition, strict=False))
        )
    return bool(stored == condition)


def matches_filter(value: Mapping[str, Any], filter: Mapping[str, Any] | None) -> bool:
    """Whether an item's value satisfies a whole search filter (AND of its keys)."""
    if not filter:
        return True
    return all(value_matches(value.get(key), cond) for key, cond in filter.items())


def namespace_matches(namespace: Sequence[str], condition: MatchCondition) -> bool:
    """Prefix or suffix match of a namespace, where a ``*`` label matches any one label."""
    path = tuple(condition.path)
    if len(namespace) < len(path):
        return False
    if condition.match_type == "prefix":
        pairs = zip(namespace, path, strict=False)
    elif condition.match_type == "suffix":
        pairs = zip(reversed(namespace), reversed(path), strict=False)
    else:
        raise ValueError(f"Unsupported match type: {condition.match_type}")
    return all(p == "*" or n == p for n, p in pairs)


def matches_conditions(
    namespace: Sequence[str], conditions: Iterable[MatchCondition] | None
) -> bool:
    """All conditions hold (no conditions: always)."""
    return all(namespace_matches(namespace, c) for c in conditions or ())


def select_namespaces(
    namespaces: Iterable[tuple[str, ...]],
    conditions: Iterable[MatchCondition] | None,
    max_depth: int | None,
    limit: int,
    offset: int,
) -> list[tuple[str, ...]]:
    """list_namespaces: filter, truncate to ``max_depth``, dedupe, sort, then page."""
    conds = tuple(conditions or ())
    kept = {ns for ns in namespaces if matches_conditions(ns, conds)}
    if max_depth is not None:
        kept = {ns[:max_depth] for ns in kept}
    return sorted(kept)[offset : offset + limit]


def literal_prefix(conditions: Iterable[MatchCondition] | None) -> tuple[str, ...]:
    """The leading labels of a prefix condition before any ``*``: safe to push to the server."""
    for cond in conditions or ():
        if cond.match_type == "prefix":
            out: list[str] = []
            for label in cond.path:
                if label == "*":
                    break
                out.append(label)
            return tuple(out)
    return ()
