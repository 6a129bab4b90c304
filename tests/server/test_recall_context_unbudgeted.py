"""Without a budget the context is assembled without rendering the text item by item; it must
equal what the budgeted path gives when everything fits."""

from __future__ import annotations

import json
from typing import Any

from aionis_server.services.recall_context import ContextOptions, build_context

TYPES = ("topic", "entity", "event", "concept", "rule", "evidence", "procedure", "self_model")


def _rows() -> list[dict[str, Any]]:
    rows = []
    for i in range(40):
        ntype = TYPES[i % len(TYPES)]
        rows.append(
            {
                "id": f"00000000-0000-5000-8000-{i:012d}",
                "type": ntype,
                "title": f"title {i}" if i % 5 else None,
                "text_summary": ("summary " * (i % 7)).strip() or None,
                "slots_json": json.dumps({"compression_layer": f"L{i % 7}"}),
                "commit_id": "00000000-0000-5000-8000-000000000001",
                "tier": "hot",
                "salience": 0.5,
                "confidence": 0.25 + i / 100,
                "memory_lane": "shared",
                "raw_ref": None,
                "evidence_ref": None,
                "rule_state": ("active", "draft", "shadow")[i % 3] if ntype == "rule" else None,
            }
        )
    return rows


def _context(**options: Any) -> dict[str, Any]:
    extras = {f"00000000-0000-5000-8000-{i:012d}": {"score": i / 10} for i in range(0, 40, 3)}
    return build_context(
        _rows(), extras, tenant_id="default", scope="s", options=ContextOptions(**options)
    )


def test_no_budget_equals_a_budget_everything_fits_in() -> None:
    for extra in ({}, {"profile": "aggressive"}, {"allowed_layers": ("L1", "L4")}):
        free = _context(**extra)
        roomy = _context(char_budget=1_000_000, **extra)
        for key in ("text", "items", "citations"):
            assert free[key] == roomy[key]
        assert free["selection_stats"] == roomy["selection_stats"]
        assert free["selection_stats"]["chars"] == len(free["text"]) > 0
        assert free["selection_stats"]["selected"] == len(free["items"])


def test_a_tight_budget_still_drops_items() -> None:
    free = _context()
    tight = _context(char_budget=len(free["text"]) // 2)
    assert 0 < tight["selection_stats"]["selected"] < free["selection_stats"]["selected"]
    assert tight["selection_stats"]["dropped_by_budget"] > 0
    assert len(tight["text"]) <= len(free["text"]) // 2
    assert tight["selection_stats"]["chars"] == len(tight["text"])
