"""``$regex`` safety (§7.9): refuse patterns that could backtrack catastrophically.

A pattern is refused (and so never matches) when it is longer than 256 characters, uses a
backreference or a lookaround, has more than 32 groups or more than 24 quantifiers, quantifies a
group that itself contains a quantifier (nested quantifiers) or an alternation, or contains more
than one ``.*``/``.+``. Invalid patterns never match either. Python has no regex timeout, so this
static check is the only protection; it errs on the side of refusing.

"Quantifier" means ``*``, ``+``, ``?`` or a ``{n}``/``{n,}``/``{n,m}`` repeat; a lazy ``?``
after a quantifier is part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["MAX_GROUPS", "MAX_PATTERN_LENGTH", "MAX_QUANTIFIERS", "regex_refusal", "safe_search"]

MAX_PATTERN_LENGTH = 256
MAX_GROUPS = 32
MAX_QUANTIFIERS = 24
_BRACE_QUANTIFIER = re.compile(r"\{\d+(?:,\d*)?\}")
_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")


@dataclass
class _Group:
    has_quantifier: bool = False
    has_alternation: bool = False


@dataclass
class _Scan:
    groups: int = 0
    quantifiers: int = 0
    dot_stars: int = 0
    stack: list[_Group] = field(default_factory=lambda: [_Group()])
    refusal: str | None = None

    def refuse(self, reason: str) -> None:
        if self.refusal is None:
            self.refusal = reason


def _class_end(pattern: str, start: int) -> int:
    """Index just past the character class opening at ``start`` (or len if unterminated)."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i + 1
        i += 1
    return len(pattern)


def _group_prefix_end(pattern: str, i: int) -> int:
    """Skip a group's ``?:`` / ``?<name>`` / ``?P<name>`` prefix starting at ``i``."""
    if i >= len(pattern) or pattern[i] != "?":
        return i
    i += 1
    if i < len(pattern) and pattern[i] == ":":
        return i + 1
    if i < len(pattern) and pattern[i] in "<P":
        close = pattern.find(">", i)
        return close + 1 if close != -1 else len(pattern)
    return i


def _quantifier_length(pattern: str, i: int) -> int:
    """Length of the quantifier at ``i`` (0 if none), including a lazy ``?``."""
    if pattern[i] in "*+?":
        length = 1
    else:
        found = _BRACE_QUANTIFIER.match(pattern, i)
        if found is None:
            return 0
        length = found.end() - i
    if i + length < len(pattern) and pattern[i + length] == "?":
        length += 1
    return length


def _scan(pattern: str) -> _Scan:
    scan = _Scan()
    last: str | _Group | None = None  # previous atom: "dot", "char", a closed group, or None
    i = 0
    while i < len(pattern) and scan.refusal is None:
        char = pattern[i]
        if char == "\\":
            following = pattern[i + 1 : i + 2]
            if (following != "" and following in "123456789") or pattern.startswith("k<", i + 1):
                scan.refuse("backreference")
            i, last = i + 2, "char"
        elif char == "[":
            i, last = _class_end(pattern, i), "char"
        elif char == "(":
            if pattern.startswith(_LOOKAROUNDS, i):
                scan.refuse("lookaround")
            if pattern.startswith("(?P=", i):
                scan.refuse("backreference")
            scan.groups += 1
            scan.stack.append(_Group())
            i, last = _group_prefix_end(pattern, i + 1), None
        elif char == ")":
            if len(scan.stack) == 1:
                scan.refuse("invalid")
                break
            closed = scan.stack.pop()
            parent = scan.stack[-1]
            parent.has_quantifier |= closed.has_quantifier
            parent.has_alternation |= closed.has_alternation
            i, last = i + 1, closed
        elif char == "|":
            scan.stack[-1].has_alternation = True
            i, last = i + 1, None
        elif (length := _quantifier_length(pattern, i)) > 0:
            scan.quantifiers += 1
            if isinstance(last, _Group):
                if last.has_quantifier:
                    scan.refuse("nested_quantifier")
                if last.has_alternation:
                    scan.refuse("quantified_alternation")
            if last == "dot" and char in "*+":
                scan.dot_stars += 1
            scan.stack[-1].has_quantifier = True
            i, last = i + length, None
        else:
            i, last = i + 1, "dot" if char == "." else "char"
    return scan


def regex_refusal(pattern: str) -> str | None:
    """Why ``pattern`` is refused, or ``None`` when it is safe to run."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return "too_long"
    scan = _scan(pattern)
    if scan.refusal is not None:
        return scan.refusal
    if scan.groups > MAX_GROUPS:
        return "too_many_groups"
    if scan.quantifiers > MAX_QUANTIFIERS:
        return "too_many_quantifiers"
    if scan.dot_stars > 1:
        return "multiple_dot_star"
    if _compile(pattern) is None:
        return "invalid"
    return None


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.ASCII)
    except (re.error, OverflowError, RecursionError, ValueError):
        return None


@lru_cache(maxsize=512)
def _checked(pattern: str) -> re.Pattern[str] | None:
    return None if regex_refusal(pattern) is not None else _compile(pattern)


def safe_search(pattern: str, text: str) -> bool:
    """Unanchored search of ``pattern`` in ``text``; refused or invalid patterns never match."""
    compiled = _checked(pattern)
    return compiled is not None and compiled.search(text) is not None
