"""The context block of recall (§7.4 step 7): markdown text, items and citations within budgets.

Selection policy of the reference server (the spec leaves it open; documented in docs/server.md):

- Candidates are the subgraph nodes in subgraph order (seeds by similarity, then the ranked
  nodes by score). Rules are candidates only in state ``shadow`` or ``active``.
- ``memory_layer_preference.allowed_layers`` keeps nodes whose ``slots.compression_layer`` is one
  of the allowed layers; nodes without a (valid) layer are kept.
- Compaction: ``balanced`` cuts titles at 160 and summaries at 400 characters; ``aggressive`` at
  80 and 160, and leaves out the summary when it repeats the title.
- Budgets: the effective budget is ``min(context_char_budget, 4·context_token_budget)``; tokens
  are estimated as ``ceil(chars / 4)``. Items are admitted in candidate order while the rendered
  text (headings included) stays within the budget; an item that does not fit is skipped and
  later, shorter items may still be admitted.
- The text has one ``## <Section>`` heading per non-empty section, in the order Topics /
  Concepts, Entities, Supporting Events / Evidence, Applicable Rules (Shadow/Active), and one line
  per item: ``- <title>: <summary> (node:<id>)``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..uris import make_uri

SECTIONS = (
    ("topics", "Topics / Concepts"),
    ("entities", "Entities"),
    ("events", "Supporting Events / Evidence"),
    ("rules", "Applicable Rules (Shadow/Active)"),
)
SECTION_OF_TYPE = {
    "topic": "topics",
    "concept": "topics",
    "entity": "entities",
    "event": "events",
    "evidence": "events",
    "procedure": "events",
    "self_model": "events",
    "rule": "rules",
}
LAYERS = frozenset({"L0", "L1", "L2", "L3", "L4", "L5"})
_CUTS = {"balanced": (160, 400), "aggressive": (80, 160)}


@dataclass
class Uris:
    """``make_uri`` for one tenant and scope, with the percent-encoded prefix computed once per
    kind (canonical UUIDs need no encoding, so only the prefix is encoded)."""

    tenant_id: str
    scope: str
    _prefix: dict[str, str] = field(default_factory=dict)

    def __call__(self, kind: str, object_id: str) -> str:
        if not (
            len(object_id) == 36 and object_id.isascii() and object_id.replace("-", "").isalnum()
        ):
            return make_uri(self.tenant_id, self.scope, kind, object_id)
        prefix = self._prefix.get(kind)
        if prefix is None:
            prefix = make_uri(self.tenant_id, self.scope, kind, "x")[:-1]
            self._prefix[kind] = prefix
        return prefix + object_id


def est_tokens(chars: int) -> int:
    """The token estimate used everywhere in the server: ``ceil(chars / 4)``."""
    return math.ceil(chars / 4)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _layer(row: Mapping[str, Any]) -> str | None:
    try:
        slots = json.loads(row["slots_json"] or "{}")
    except ValueError:
        return None
    layer = slots.get("compression_layer") if isinstance(slots, dict) else None
    return layer if isinstance(layer, str) and layer in LAYERS else None


@dataclass(frozen=True)
class ContextOptions:
    profile: str = "balanced"
    char_budget: int | None = None
    token_budget: int | None = None
    allowed_layers: tuple[str, ...] | None = None

    @property
    def effective_char_budget(self) -> int | None:
        limits = [
            b for b in (self.char_budget, 4 * self.token_budget if self.token_budget else None) if b
        ]
        return min(limits) if limits else None


def _line(row: Mapping[str, Any], profile: str) -> str:
    title_cut, summary_cut = _CUTS.get(profile, _CUTS["balanced"])
    title = _cut((row["title"] or "").strip(), title_cut)
    summary = _cut((row["text_summary"] or "").strip(), summary_cut)
    if profile == "aggressive" and summary and title and summary.startswith(title):
        summary = ""
    body = f"{title}: {summary}" if title and summary else title or summary or row["type"]
    return f"- {body} (node:{row['id']})"


def _render(sections: dict[str, list[str]]) -> str:
    blocks = [
        f"## {heading}\n" + "\n".join(sections[key])
        for key, heading in SECTIONS
        if sections.get(key)
    ]
    return "\n\n".join(blocks)


def build_context(
    rows: Sequence[Mapping[str, Any]],
    extras: dict[str, dict[str, Any]],
    *,
    tenant_id: str,
    scope: str,
    options: ContextOptions,
    uris: Uris | None = None,
) -> dict[str, Any]:
    """The ``context`` object for the subgraph ``rows`` (in subgraph order).

    ``extras`` maps node ids to values merged into their items (activation, score, similarity).
    """
    budget = options.effective_char_budget
    uri_of = uris or Uris(tenant_id, scope)
    allowed = set(options.allowed_layers) if options.allowed_layers else None
    sections: dict[str, list[str]] = {}
    items: list[dict[str, Any]] = []
    citations: list[dict[str, Any]] = []
    dropped = {"layer": 0, "budget": 0, "rule_state": 0}
    used = 0
    for row in rows:
        if row["type"] == "rule" and row["rule_state"] not in ("shadow", "active"):
            dropped["rule_state"] += 1
            continue
        layer = _layer(row)
        if allowed is not None and layer is not None and layer not in allowed:
            dropped["layer"] += 1
            continue
        key = SECTION_OF_TYPE.get(row["type"], "events")
        line = _line(row, options.profile)
        if budget is None:  # everything fits: no need to render the text item by item
            sections.setdefault(key, []).append(line)
        else:
            trial = {**sections, key: [*sections.get(key, []), line]}
            size = len(_render(trial))
            if size > budget:
                dropped["budget"] += 1
                continue
            sections, used = trial, size
        uri = uri_of(row["type"], row["id"])
        commit_uri = uri_of("commit", row["commit_id"])
        item: dict[str, Any] = {
            "kind": row["type"],
            "section": key,
            "node_id": row["id"],
            "uri": uri,
            "title": row["title"],
            "summary": row["text_summary"],
            "commit_id": row["commit_id"],
            "commit_uri": commit_uri,
            "tier": row["tier"],
            "salience": row["salience"],
            "confidence": row["confidence"],
            "memory_lane": row["memory_lane"],
            "layer": layer,
            **extras.get(row["id"], {}),
        }
        if row["type"] == "rule":
            item["rule_state"] = row["rule_state"]
        items.append(item)
        citations.append(
            {
                "node_id": row["id"],
                "uri": uri,
                "commit_id": row["commit_id"],
                "commit_uri": commit_uri,
                "raw_ref": row["raw_ref"],
                "evidence_ref": row["evidence_ref"],
            }
        )
    text = _render(sections)
    if budget is None:
        used = len(text)  # the size after the last item admitted
    return {
        "text": text,
        "items": items,
        "citations": citations,
        "selection_policy": {
            "name": "reference_subgraph_order_v1",
            "compaction_profile": options.profile,
            "char_budget": options.char_budget,
            "token_budget": options.token_budget,
            "effective_char_budget": budget,
            "allowed_layers": sorted(allowed) if allowed is not None else None,
            "token_estimate": "ceil(chars/4)",
        },
        "selection_stats": {
            "candidates": len(rows),
            "selected": len(items),
            "dropped_by_budget": dropped["budget"],
            "dropped_by_layer": dropped["layer"],
            "dropped_rule_state": dropped["rule_state"],
            "chars": used if items else 0,
            "est_tokens": est_tokens(len(text)),
            "within_char_budget": budget is None or len(text) <= budget,
        },
    }
