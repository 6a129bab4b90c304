"""The pure part of tools/select (§7.10 steps 1, 3–5): normalise, filter, fall back, order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import bad_request

__all__ = ["Selection", "normalise_candidates", "select"]

_NOTES = {
    "none": "allow/deny filters applied as written",
    "allowlist_filtered_all": "the allowlist removed every candidate; retried with the deny list only",
    "deny_filtered_all": "the deny list removed every candidate; nothing can be selected",
}


def normalise_candidates(candidates: Sequence[str]) -> list[str]:
    """Trim, drop empty strings, de-duplicate keeping the first occurrence."""
    seen: dict[str, None] = {}
    for name in candidates:
        trimmed = name.strip()
        if trimmed:
            seen.setdefault(trimmed, None)
    return list(seen)


@dataclass
class Selection:
    candidates: list[str]
    allowed: list[str]
    denied: list[dict[str, str]]
    preferred: list[str]
    ordered: list[str]
    selected: str | None
    fallback: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "candidates": self.candidates,
            "allowed": self.allowed,
            "denied": self.denied,
            "preferred": self.preferred,
            "ordered": self.ordered,
            "selected": self.selected,
            "fallback": self.fallback,
        }


def _filter(
    candidates: list[str], allow: list[str] | None, deny: set[str]
) -> tuple[list[str], list[dict[str, str]]]:
    allowed: list[str] = []
    denied: list[dict[str, str]] = []
    allow_set = set(allow) if allow is not None else None
    for name in candidates:
        if name in deny:
            denied.append({"name": name, "reason": "deny_list"})
        elif allow_set is not None and name not in allow_set:
            denied.append({"name": name, "reason": "not_in_allow_list"})
        else:
            allowed.append(name)
    return allowed, denied


def _fallback(applied: bool, reason: str, mode: str) -> dict[str, Any]:
    return {"applied": applied, "reason": reason, "effective_mode": mode, "note": _NOTES[reason]}


def select(candidates: list[str], tool_policy: dict[str, Any], *, strict: bool) -> Selection:
    """Apply a merged ``policy.tool`` to normalised candidates.

    With ``strict`` and nothing allowed, raises 400 ``no_tools_allowed`` (details are counts).
    """
    allow_raw = tool_policy.get("allow")
    allow = [str(a) for a in allow_raw] if isinstance(allow_raw, list) else None
    deny = {str(d) for d in tool_policy.get("deny", [])}
    allowed, denied = _filter(candidates, allow, deny)
    if allowed:
        fallback = _fallback(False, "none", "allow_and_deny" if allow is not None else "deny_only")
    elif strict:
        filters = "allow/deny" if allow is not None else "deny"
        raise bad_request(
            "no_tools_allowed",
            f"no candidates remain after {filters} filters",
            candidates=len(candidates),
            allow=len(allow or []),
            deny=len(deny),
        )
    else:
        if allow is not None:
            allowed, denied = _filter(candidates, None, deny)
        reason = "allowlist_filtered_all" if allowed else "deny_filtered_all"
        fallback = _fallback(True, reason, "deny_only")
    allowed_set = set(allowed)
    preferred = [p for p in dict.fromkeys(tool_policy.get("prefer", [])) if p in allowed_set]
    rest = [name for name in allowed if name not in set(preferred)]
    ordered = preferred + rest
    return Selection(
        candidates=candidates,
        allowed=allowed,
        denied=denied,
        preferred=preferred,
        ordered=ordered,
        selected=ordered[0] if ordered else None,
        fallback=fallback,
    )
