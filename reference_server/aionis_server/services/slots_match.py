"""Structural containment for find's ``slots_contains`` (§7.5)."""

from __future__ import annotations

from typing import Any


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def scalar_equal(pattern: Any, value: Any) -> bool:
    """JSON equality without type coercion: ``1 == 1.0`` but ``1 != true`` and ``"1" != 1``."""
    if isinstance(pattern, bool) or isinstance(value, bool):
        return isinstance(pattern, bool) and isinstance(value, bool) and pattern == value
    if _is_number(pattern) or _is_number(value):
        return _is_number(pattern) and _is_number(value) and pattern == value
    if pattern is None or value is None:
        return pattern is None and value is None
    return type(pattern) is type(value) and pattern == value


def slots_contain(pattern: Any, value: Any) -> bool:
    """Whether ``value`` structurally contains ``pattern``.

    Objects: every pattern key must exist and match. Arrays: index by index, the stored array
    may be longer. Scalars and null: exact equality.
    """
    stack: list[tuple[Any, Any]] = [(pattern, value)]
    while stack:
        pat, val = stack.pop()
        if isinstance(pat, dict):
            if not isinstance(val, dict):
                return False
            for key, sub in pat.items():
                if key not in val:
                    return False
                stack.append((sub, val[key]))
        elif isinstance(pat, list):
            if not isinstance(val, list) or len(val) < len(pat):
                return False
            stack.extend(zip(pat, val[: len(pat)], strict=True))
        elif not scalar_equal(pat, val):
            return False
    return True
