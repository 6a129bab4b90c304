"""§3.4 rate limiting: only for servers that advertise the ``ext.rate_limit`` extension."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from contract_tests._support import Wire, assert_envelope, requires_capability

pytestmark = requires_capability("ext.rate_limit")

WRITE_CODES = ("rate_limited_write", "tenant_rate_limited_write", "write_backpressure")
BURST = 48


def test_write_rate_limit_shape_and_no_effect(wire: Wire) -> None:
    def one(i: int) -> tuple[int, httpx.Response]:
        body = {
            "scope": wire.scope,
            "input_text": f"burst {i}",
            "memory_lane": "shared",
            "nodes": [{"client_id": f"b{i}", "type": "event"}],
        }
        return i, wire.http.post("/v1/memory/write", json=body)

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(one, range(BURST)))
    limited = [(i, r) for i, r in results if r.status_code == 429]
    assert all(r.status_code in (200, 429) for _, r in results)
    if not limited:
        pytest.skip(f"ext.rate_limit advertised, but a burst of {BURST} writes was admitted")
    for _, resp in limited:
        body = assert_envelope(resp, 429, resp.json().get("error", "?"))
        assert body["error"] in WRITE_CODES, body
        if body["error"].endswith("backpressure"):
            assert "retry-after" not in resp.headers
            continue
        retry_ms = body["details"]["retry_after_ms"]
        assert isinstance(body["details"]["waited_ms"], int | float)
        assert int(resp.headers["retry-after"]) == math.ceil(retry_ms / 1000)
    # A 429 means the request had no effect (§3.4).
    stored = {n["client_id"] for n in wire.find(limit=200)["nodes"]}
    for i, _ in limited:
        assert f"b{i}" not in stored
    assert len(stored) == BURST - len(limited)
