"""Hooks, logging (with secrets redacted), AIONIS_LOG, and OpenTelemetry spans."""

from __future__ import annotations

import logging
import types
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import respx
from conftest import Handle, ok
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import aionis_sdk._observability as obs
import aionis_sdk.types as t
from aionis_sdk import APIConnectionError, Hooks, RequestInfo, ResponseInfo


def test_request_and_response_hooks(
    make_client: Callable[..., Handle], router: respx.MockRouter
) -> None:
    events: list[Any] = []
    handle = make_client(
        api_key="secret-key", hooks=Hooks(on_request=events.append, on_response=events.append)
    )
    router.post("/v1/memory/find").mock(side_effect=[httpx.Response(503), ok(t.FindResponse)])
    handle.call(lambda c: c.memory.find())
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["RequestInfo", "ResponseInfo", "RequestInfo", "ResponseInfo"]
    first: RequestInfo = events[0]
    assert first.operation == "memory.find"
    assert first.attempt == 1
    assert first.headers["x-api-key"] == "<redacted>"
    last: ResponseInfo = events[-1]
    assert (last.status_code, last.attempt) == (200, 2)
    assert last.request_id == first.request_id


def test_response_hook_sees_transport_errors(
    make_client: Callable[..., Handle], router: respx.MockRouter
) -> None:
    seen: list[ResponseInfo] = []
    handle = make_client(max_retries=0, hooks=Hooks(on_response=seen.append))
    router.post("/v1/memory/find").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError):
        handle.call(lambda c: c.memory.find())
    assert seen[0].status_code is None
    assert isinstance(seen[0].error, APIConnectionError)


def test_async_hooks_are_awaited(router: respx.MockRouter) -> None:
    import asyncio

    from aionis_sdk import AsyncAionisClient

    seen: list[str] = []

    async def on_request(info: RequestInfo) -> None:
        await asyncio.sleep(0)
        seen.append(info.operation)

    async def main() -> None:
        async with AsyncAionisClient(
            base_url="http://aionis.test", hooks=Hooks(on_request=on_request)
        ) as client:
            await client.health()

    router.get("/health").mock(return_value=ok(t.HealthResponse))
    asyncio.run(main())
    assert seen == ["health"]


def test_debug_logging_redacts_secrets(
    make_client: Callable[..., Handle], router: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    handle = make_client(api_key="secret-key", bearer_token="secret-jwt")
    router.post("/v1/memory/find").mock(side_effect=[httpx.Response(429), ok(t.FindResponse)])
    with caplog.at_level(logging.DEBUG, logger="aionis_sdk"):
        handle.call(lambda c: c.memory.find(request_id="rid-42"))
    text = caplog.text
    assert "POST /v1/memory/find request_id=rid-42 attempt=1 status=429" in text
    assert "attempt=2 status=200" in text
    assert "aionis retry memory.find" in text
    assert "secret" not in text


def test_aionis_log_env_installs_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger("aionis_sdk")
    before, level = list(logger.handlers), logger.level
    monkeypatch.setenv("AIONIS_LOG", "debug")
    try:
        obs._configure_from_env()
        obs._configure_from_env()  # idempotent
        added = [h for h in logger.handlers if h not in before]
        assert len(added) == 1
        assert logger.level == logging.DEBUG
    finally:
        logger.handlers = before
        logger.setLevel(level)


def test_redact_headers() -> None:
    redacted = obs.redact_headers(
        {"Authorization": "Bearer x", "X-Admin-Token": "y", "accept": "a"}
    )
    assert redacted == {"Authorization": "<redacted>", "X-Admin-Token": "<redacted>", "accept": "a"}


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    fake = types.SimpleNamespace(get_tracer_provider=lambda: provider, SpanKind=trace.SpanKind)
    monkeypatch.setattr(obs, "_otel_trace", fake)
    yield exporter
    provider.shutdown()


def test_otel_span(client: Handle, router: respx.MockRouter, spans: InMemorySpanExporter) -> None:
    router.post("/v1/memory/recall_text").mock(
        side_effect=[httpx.Response(503), ok(t.RecallTextResponse, request_id="r1")]
    )
    client.call(lambda c: c.memory.recall_text(query_text="q", request_id="r1"))
    (span,) = spans.get_finished_spans()
    assert span.name == "aionis.memory.recall_text"
    attrs = dict(span.attributes or {})
    assert attrs["http.request.method"] == "POST"
    assert attrs["url.path"] == "/v1/memory/recall_text"
    assert attrs["http.response.status_code"] == 200
    assert attrs["aionis.request_id"] == "r1"
    assert attrs["aionis.retry_count"] == 1


def test_otel_span_records_errors(
    client: Handle, router: respx.MockRouter, spans: InMemorySpanExporter
) -> None:
    router.post("/v1/memory/find").mock(
        return_value=httpx.Response(400, json={"error": "invalid_request"})
    )
    with pytest.raises(Exception, match="invalid_request"):
        client.call(lambda c: c.memory.find())
    (span,) = spans.get_finished_spans()
    assert span.status.status_code == trace.StatusCode.ERROR
    assert span.events[0].name == "exception"


def _timed(model: type[Any], header: str) -> httpx.Response:
    response = ok(model)
    response.headers["server-timing"] = header
    return response


def test_response_hook_carries_server_timing(
    router: respx.MockRouter, make_client: Callable[..., Handle]
) -> None:
    seen: list[ResponseInfo] = []
    handle = make_client(hooks=Hooks(on_response=seen.append))
    router.post("/v1/memory/find").mock(
        side_effect=[
            _timed(t.FindResponse, 'app;dur=1.25, db;dur=0.5;desc="sql", commit;dur=0.25'),
            ok(t.FindResponse),
        ]
    )
    handle.call(lambda c: c.memory.find())
    handle.call(lambda c: c.memory.find())
    assert seen[0].server_timing == {"app": 1.25, "db": 0.5, "commit": 0.25}
    assert seen[1].server_timing is None  # no header, no figures


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        (None, None),
        ("", {}),
        ("app;dur=2", {"app": 2.0}),
        ("cache;desc=hit, app;dur=1.5", {"app": 1.5}),  # no dur: skipped
        ('app;dur="3.5"', {"app": 3.5}),
        ("app;dur=abc, db;dur=1", {"db": 1.0}),
        ("app;dur=1, app;dur=9", {"app": 1.0}),  # the first of a repeated name
        ("app;dur=nan, db;dur=inf, x;DUR=4", {"x": 4.0}),
        (";dur=1, ,", {}),
    ],
)
def test_server_timing_parsing(header: str | None, parsed: dict[str, float] | None) -> None:
    assert obs.parse_server_timing(header) == parsed


def test_otel_span_carries_server_timing(
    client: Handle, router: respx.MockRouter, spans: InMemorySpanExporter
) -> None:
    router.post("/v1/memory/find").mock(return_value=_timed(t.FindResponse, "app;dur=1.5"))
    client.call(lambda c: c.memory.find())
    (span,) = spans.get_finished_spans()
    assert dict(span.attributes or {})["aionis.server_timing.app_ms"] == 1.5
