"""Text normalisation and optional PII redaction (§5.4)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from aionis_sdk.canonical import sha256hex

_WS = re.compile(r"\s+")
# Order matters: e-mails before IPs (hosts), SSNs before phones.
_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("email", "EMAIL", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("ssn", "SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    (
        "ip",
        "IP",
        re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"),
    ),
    (
        "phone",
        "PHONE",
        re.compile(r"(?<![\w-])(?:\+?1[-. ]?)?(?:\(\d{3}\)|\d{3})[-. ]?\d{3}[-. ]\d{4}\b"),
    ),
)


def normalize_text(value: str, max_len: int = 8000) -> str:
    """Collapse whitespace runs to one space, trim, and cut to ``max_len`` with a final ``…``."""
    text = _WS.sub(" ", value).strip()
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    return text


class Redactor:
    """Replaces e-mails, SSNs, IPv4 addresses and phone numbers with ``[KIND#h8]``, counting them.

    Disabled redactors pass text through unchanged, so callers need not branch.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.counts: Counter[str] = Counter()

    def text(self, value: str) -> str:
        if not self.enabled:
            return value
        for key, kind, pattern in _PATTERNS:

            def replace(match: re.Match[str], kind: str = kind, key: str = key) -> str:
                self.counts[key] += 1
                return f"[{kind}#{sha256hex(match.group(0))[:8]}]"

            value = pattern.sub(replace, value)
        return value

    def tree(self, value: Any) -> Any:
        """Redact every string inside a JSON value (keys are left alone)."""
        if not self.enabled:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.tree(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.tree(v) for v in value]
        return value

    def summary(self) -> dict[str, int]:
        """The ``redaction`` object of a commit diff: ``{}`` unless something was replaced."""
        return {key: count for key, count in sorted(self.counts.items()) if count}
