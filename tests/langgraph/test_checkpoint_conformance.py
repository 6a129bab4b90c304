"""The official langgraph-checkpoint-conformance suite against a real reference server.

Every base capability and every extended one AionisSaver declares must pass, both with an
async client (native async plans) and with only a sync client (the async methods then run
the sync plans in a worker thread). Each saver the suite creates gets its own scope.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import ALL_CAPABILITIES, DetectedCapabilities

from aionis_langgraph.checkpoint import AionisSaver
from aionis_sdk import AionisClient, AsyncAionisClient


@pytest.mark.parametrize("mode", ["async_client", "sync_client"])
async def test_conformance(aionis_server_url: str, mode: str) -> None:
    async def factory() -> AsyncIterator[AionisSaver]:
        scope = f"conformance-{uuid.uuid4().hex[:12]}"
        if mode == "async_client":
            async with AsyncAionisClient(base_url=aionis_server_url, scope=scope) as client:
                yield AionisSaver(async_client=client)
        else:
            with AionisClient(base_url=aionis_server_url, scope=scope) as client:
                yield AionisSaver(client)

    registered = checkpointer_test(name=f"AionisSaver[{mode}]")(factory)
    report = await validate(registered)
    report.print_report()
    failures = {
        cap: result.failures for cap, result in report.results.items() if result.passed is not True
    }
    assert not failures, failures
    assert report.passed_all()
    assert report.conformance_level() == "FULL"
    with AionisClient(base_url=aionis_server_url) as client:
        detected = DetectedCapabilities.from_instance(AionisSaver(client))
    assert detected.detected == ALL_CAPABILITIES
