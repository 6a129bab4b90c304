"""Logging, user hooks and optional OpenTelemetry spans.

* ``logging.getLogger("aionis_sdk")``; ``AIONIS_LOG=debug|info`` installs a stderr handler.
  Debug records describe each attempt (method, path, request id, attempt, status, elapsed);
  credentials never appear in them.
* ``Hooks(on_request=..., on_response=..., on_retry=...)``: called with small info objects.
  The async client awaits a hook that returns an awaitable.
* OpenTelemetry: one span ``aionis.<operation>`` per logical call when ``opentelemetry-api``
  is importable; without it, nothing is imported and nothing is paid.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Hooks",
    "RequestInfo",
    "ResponseInfo",
    "RetryInfo",
    "logger",
    "parse_server_timing",
    "redact_headers",
    "span",
    "tracing_enabled",
]

logger = logging.getLogger("aionis_sdk")

SECRET_HEADERS = frozenset({"x-api-key", "authorization", "x-admin-token", "cookie"})


def _configure_from_env() -> None:
    level_name = os.environ.get("AIONIS_LOG", "").strip().upper()
    if level_name not in {"DEBUG", "INFO"}:
        return
    if any(getattr(h, "_aionis_env_handler", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler._aionis_env_handler = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(getattr(logging, level_name))


_configure_from_env()


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with credentials replaced by ``"<redacted>"``."""
    return {k: ("<redacted>" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


@dataclass(frozen=True, slots=True)
class RequestInfo:
    operation: str
    method: str
    url: str
    request_id: str
    attempt: int
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class ResponseInfo:
    operation: str
    method: str
    url: str
    request_id: str
    attempt: int
    status_code: int | None
    elapsed: float
    error: BaseException | None = None
    # Milliseconds per phase from the response's ``Server-Timing`` header (``None`` without
    # one; the reference server sends it when started with ``--server-timing``).
    server_timing: Mapping[str, float] | None = None


def parse_server_timing(value: str | None) -> dict[str, float] | None:
    """``{name: dur}`` from a W3C ``Server-Timing`` header value (``None`` if absent).

    Entries without a readable ``dur`` are skipped; a repeated name keeps its first entry.
    Never raises: the header is informational."""
    if value is None:
        return None
    out: dict[str, float] = {}
    for entry in value.split(","):
        name, *params = (part.strip() for part in entry.split(";"))
        if not name or name in out:
            continue
        for param in params:
            key, _, raw = param.partition("=")
            if key.strip().lower() != "dur":
                continue
            try:
                dur = float(raw.strip().strip('"'))
            except ValueError:
                break
            if dur == dur and dur not in (float("inf"), float("-inf")):
                out[name] = dur
            break
    return out


@dataclass(frozen=True, slots=True)
class RetryInfo:
    operation: str
    request_id: str
    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True)
class Hooks:
    """User callbacks. Exceptions raised by a hook propagate to the caller."""

    on_request: Callable[[RequestInfo], Any] | None = None
    on_response: Callable[[ResponseInfo], Any] | None = None
    on_retry: Callable[[RetryInfo], Any] | None = None


_otel_trace: Any
_NO_OP_PROVIDERS: tuple[type, ...] = ()
try:  # pragma: no branch - depends on the environment
    from opentelemetry import trace as _otel_trace

    _NO_OP_PROVIDERS = (_otel_trace.ProxyTracerProvider, _otel_trace.NoOpTracerProvider)
except ImportError:  # pragma: no cover - exercised only without opentelemetry-api
    _otel_trace = None


class SpanHandle:
    """What the client records on a call's span; a no-op when OTel is absent."""

    __slots__ = ("_span",)

    def __init__(self, otel_span: Any) -> None:
        self._span = otel_span

    def set(self, key: str, value: Any) -> None:
        if self._span is not None and value is not None:
            self._span.set_attribute(key, value)

    def error(self, exc: BaseException) -> None:
        if self._span is not None:
            self._span.record_exception(exc)
            from opentelemetry.trace import Status, StatusCode

            self._span.set_status(Status(StatusCode.ERROR, type(exc).__name__))


_NOOP = SpanHandle(None)


def tracing_enabled() -> bool:
    """Whether spans would be recorded: OTel importable and a real provider configured."""
    if _otel_trace is None:
        return False
    return not isinstance(_otel_trace.get_tracer_provider(), _NO_OP_PROVIDERS)


@contextlib.contextmanager
def span(operation: str, method: str, path: str) -> Iterator[SpanHandle]:
    """A span ``aionis.<operation>`` around one logical call (all attempts)."""
    if _otel_trace is None:
        yield _NOOP
        return
    provider = _otel_trace.get_tracer_provider()
    if isinstance(provider, _NO_OP_PROVIDERS):  # no SDK configured: skip the span entirely
        yield _NOOP
        return
    tracer = provider.get_tracer("aionis_sdk")
    with tracer.start_as_current_span(
        f"aionis.{operation}",
        kind=_otel_trace.SpanKind.CLIENT,
        record_exception=False,
        set_status_on_exception=False,
    ) as otel_span:
        if not otel_span.is_recording():
            yield _NOOP
            return
        otel_span.set_attribute("http.request.method", method)
        otel_span.set_attribute("url.path", path)
        yield SpanHandle(otel_span)
