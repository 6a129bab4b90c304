"""The rule condition language (§7.9): ``match(pattern, value)`` and condition paths.

Values are JSON values as Python objects (``dict``, ``list``, ``str``, ``int``/``float``,
``bool``, ``None``). A missing value is :data:`UNDEFINED`, which is distinct from JSON ``null``.

Equality is JSON deep equality without coercion: ``1 == 1.0`` (one JSON number), but ``1`` is
never ``true`` and ``"1"`` is never ``1``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, Final

from .regex_guard import safe_search

__all__ = [
    "UNDEFINED",
    "condition_paths",
    "deep_equal",
    "get_path",
    "match",
    "specificity",
    "to_number",
]


class _Undefined:
    """The absent value (JavaScript ``undefined``); a singleton."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Final = _Undefined()
_COMBINATORS: Final = ("$and", "$or", "$not")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def deep_equal(a: Any, b: Any) -> bool:
    """JSON deep equality without type coercion (booleans are never numbers)."""
    if a is UNDEFINED or b is UNDEFINED:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) or _is_number(b):
        return _is_number(a) and _is_number(b) and a == b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    return False


def _index(value: Any, segment: str) -> Any:
    """``value[segment]`` for an object key or an array index; :data:`UNDEFINED` if absent."""
    if isinstance(value, dict):
        return value.get(segment, UNDEFINED)
    if isinstance(value, list) and segment.isdigit() and segment.isascii():
        position = int(segment)
        if str(position) == segment and position < len(value):
            return value[position]
    return UNDEFINED


def get_path(value: Any, key: str) -> Any:
    """Follow a key (dotted keys are paths) from ``value``; a missing step gives UNDEFINED."""
    current = value
    for segment in key.split(".") if "." in key else (key,):
        current = _index(current, segment)
        if current is UNDEFINED:
            return UNDEFINED
    return current


_JS_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Infinity)")
_JS_RADIX = re.compile(r"0([xXoObB])([0-9a-fA-F]+)")
_RADIX_BASE = {"x": 16, "o": 8, "b": 2}


def to_number(operand: Any) -> float:
    """The operand coerced to a number the way ECMAScript ``Number(x)`` does (NaN if none)."""
    if isinstance(operand, bool):
        return 1.0 if operand else 0.0
    if _is_number(operand):
        return float(operand)
    if operand is None:
        return 0.0
    if isinstance(operand, str):
        text = operand.strip()
        if text == "":
            return 0.0
        if _JS_DECIMAL.fullmatch(text):
            return float(text.replace("Infinity", "inf"))
        radix = _JS_RADIX.fullmatch(text)
        if radix:
            try:
                return float(int(radix.group(2), _RADIX_BASE[radix.group(1).lower()]))
            except ValueError:
                return math.nan
        return math.nan
    if isinstance(operand, list):
        if not operand:
            return 0.0
        if len(operand) == 1 and not isinstance(operand[0], (dict, list)):
            inner = operand[0]
            return (
                0.0
                if inner is None
                else to_number(inner if isinstance(inner, str) else _js_str(inner))
            )
    return math.nan


def _js_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _js_truthy(value: Any) -> bool:
    if value is None or value is UNDEFINED or value is False:
        return False
    if _is_number(value):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def _compare(test: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def apply(value: Any, operand: Any) -> bool:
        if not _is_number(value):
            return False
        number = to_number(operand)
        return not math.isnan(number) and test(float(value), number)

    return apply


def _op_in(value: Any, operand: Any) -> bool:
    return isinstance(operand, list) and any(deep_equal(value, item) for item in operand)


def _op_nin(value: Any, operand: Any) -> bool:
    return isinstance(operand, list) and not any(deep_equal(value, item) for item in operand)


def _op_contains(value: Any, operand: Any) -> bool:
    if isinstance(value, str):
        return isinstance(operand, str) and operand in value
    if isinstance(value, list):
        return any(deep_equal(item, operand) for item in value)
    return False


def _op_regex(value: Any, operand: Any) -> bool:
    return isinstance(value, str) and isinstance(operand, str) and safe_search(operand, value)


_OPERATORS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "$eq": deep_equal,
    "$ne": lambda value, operand: not deep_equal(value, operand),
    "$exists": lambda value, operand: (value is not UNDEFINED) == _js_truthy(operand),
    "$in": _op_in,
    "$nin": _op_nin,
    "$gt": _compare(lambda a, b: a > b),
    "$gte": _compare(lambda a, b: a >= b),
    "$lt": _compare(lambda a, b: a < b),
    "$lte": _compare(lambda a, b: a <= b),
    "$contains": _op_contains,
    "$regex": _op_regex,
}


def _is_operator(pattern: dict[str, Any]) -> bool:
    if len(pattern) != 1:
        return False
    (key,) = pattern
    return isinstance(key, str) and key.startswith("$")


def match(pattern: Any, value: Any) -> bool:
    """Whether ``value`` satisfies the condition ``pattern`` (§7.9)."""
    if isinstance(pattern, dict):
        for combinator in _COMBINATORS:
            if combinator in pattern:
                return _match_combinator(combinator, pattern[combinator], value)
        if _is_operator(pattern):
            ((name, operand),) = pattern.items()
            operator = _OPERATORS.get(name)
            return operator is not None and operator(value, operand)
        return all(match(sub, get_path(value, key)) for key, sub in pattern.items())
    if isinstance(pattern, list):
        return isinstance(value, list) and all(
            any(deep_equal(wanted, item) for item in value) for wanted in pattern
        )
    return deep_equal(pattern, value)


def _match_combinator(combinator: str, operand: Any, value: Any) -> bool:
    if combinator == "$not":
        return not match(operand, value)
    if not isinstance(operand, list):
        return False
    if combinator == "$and":
        return all(match(sub, value) for sub in operand)
    return any(match(sub, value) for sub in operand)


def _collect_paths(pattern: Any, prefix: str, out: set[str]) -> None:
    if isinstance(pattern, dict):
        for combinator in _COMBINATORS:
            if combinator in pattern:
                operand = pattern[combinator]
                if combinator == "$not":
                    _collect_paths(operand, prefix, out)
                elif isinstance(operand, list):
                    for sub in operand:
                        _collect_paths(sub, prefix, out)
                return
        if pattern and not _is_operator(pattern):
            for key, sub in pattern.items():
                _collect_paths(sub, f"{prefix}.{key}" if prefix else key, out)
            return
    if prefix:
        out.add(prefix)


def condition_paths(pattern: Any) -> list[str]:
    """The distinct condition paths of a condition, sorted (§7.9 step 6).

    Object keys extend the path (dotted keys as written); ``$and``/``$or``/``$not`` add no
    segment; a leaf, an array, an operator or an empty object ends a path.
    """
    out: set[str] = set()
    _collect_paths(pattern, "", out)
    return sorted(out)


def specificity(pattern: Any) -> int:
    """The number of distinct condition paths in ``pattern``."""
    return len(condition_paths(pattern))
