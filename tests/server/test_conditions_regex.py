"""``$regex`` safety rules (§7.9): refused patterns never match, safe ones search unanchored."""

from __future__ import annotations

import time

import pytest

from aionis_server.rules.conditions import match
from aionis_server.rules.regex_guard import regex_refusal, safe_search

SAFE = [
    ("deploy", "we deploy now", True),
    ("^deploy$", "deploy", True),
    ("^deploy$", "deploy now", False),
    ("py(test)?", "pytest", True),
    (r"\d{3}-\d{2}", "call 555-12", True),
    ("[a-z]+@[a-z]+", "mail ann@example", True),
    ("a|b", "xbx", True),
    ("(?:ab)+c", "ababc", True),
    (r"\(x\)+", "(x))", True),
    ("[(|)]+", "|", True),
    (".*deploy", "please deploy", True),
    ("x{2,}", "axxb", True),
    (r"\\1", "\\1", True),
    ("(a)(b)", "ab", True),
    (r"\d", "\u0663", False),  # ASCII classes, as in ECMAScript
]

REFUSED = [
    ("a" * 257, "too_long"),
    (r"(a)\1", "backreference"),
    (r"(?P<x>a)(?P=x)", "backreference"),
    (r"(?<x>a)\k<x>", "backreference"),
    ("foo(?=bar)", "lookaround"),
    ("foo(?!bar)", "lookaround"),
    ("(?<=foo)bar", "lookaround"),
    ("(?<!foo)bar", "lookaround"),
    ("(a)" * 33, "too_many_groups"),
    ("a?" * 25, "too_many_quantifiers"),
    ("(a+)+", "nested_quantifier"),
    ("(a*)*b", "nested_quantifier"),
    ("(x(a+)b)*", "nested_quantifier"),
    ("(?:a{2,})+", "nested_quantifier"),
    ("(a|aa)+", "quantified_alternation"),
    ("(a|b)?", "quantified_alternation"),
    ("((a|b)c){2}", "quantified_alternation"),
    ("a.*b.*c", "multiple_dot_star"),
    ("a.+b.*", "multiple_dot_star"),
    ("(", "invalid"),
    ("a)", "invalid"),
    ("[a-", "invalid"),
    ("*a", "invalid"),
]


@pytest.mark.parametrize(("pattern", "text", "found"), SAFE)
def test_safe_patterns_search_unanchored(pattern: str, text: str, found: bool) -> None:
    assert regex_refusal(pattern) is None
    assert safe_search(pattern, text) is found
    assert match({"v": {"$regex": pattern}}, {"v": text}) is found


@pytest.mark.parametrize(("pattern", "reason"), REFUSED)
def test_refused_patterns_never_match(pattern: str, reason: str) -> None:
    assert regex_refusal(pattern) == reason
    for text in ("", "a", "aaaa", "foobar", "ab" * 10, "abc"):
        assert safe_search(pattern, text) is False
        assert match({"v": {"$regex": pattern}}, {"v": text}) is False


def test_limits_are_inclusive() -> None:
    assert regex_refusal("a" * 256) is None
    assert regex_refusal("(a)" * 32) is None
    assert regex_refusal("a?" * 24) is None
    assert regex_refusal("a.*b") is None


def test_catastrophic_pattern_is_refused_quickly() -> None:
    started = time.perf_counter()
    assert match({"v": {"$regex": "^(a+)+$"}}, {"v": "a" * 40 + "!"}) is False
    assert time.perf_counter() - started < 0.5
