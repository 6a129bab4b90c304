"""The data of one call: per-call options, the prepared request, query encoding, and the
mapping of httpx transport failures (noting whether the server may have seen the request).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ._config import NOT_GIVEN, NotGiven, TimeoutTypes
from ._errors import APIConnectionError, APITimeoutError

__all__ = [
    "OPTION_NAMES",
    "CallOptions",
    "PreparedCall",
    "connection_error",
    "encode_query",
]

OPTION_NAMES = frozenset(
    {
        "timeout",
        "extra_headers",
        "extra_query",
        "extra_body",
        "request_id",
        "max_retries",
        "retry_unsafe",
    }
)


@dataclass(frozen=True, slots=True)
class CallOptions:
    """Per-call overrides, accepted by every method as keyword arguments."""

    timeout: TimeoutTypes | NotGiven = NOT_GIVEN
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = None
    request_id: str | None = None
    max_retries: int | None = None
    retry_unsafe: bool = False

    @classmethod
    def pop_from(cls, params: dict[str, Any]) -> CallOptions:
        """Take the option keywords out of a method's ``**params``."""
        names = OPTION_NAMES.intersection(params)
        if not names:
            return _DEFAULT_OPTIONS
        return cls(**{name: params.pop(name) for name in names})


_DEFAULT_OPTIONS = CallOptions()


@dataclass(slots=True)
class PreparedCall:
    """One logical call: the request sent on every attempt, and its retry state."""

    operation: str
    path: str
    request: httpx.Request
    request_id: str
    idempotent: bool
    max_retries: int
    attempt: int = 0
    started: float = 0.0


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return value


def encode_query(*parts: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge query mappings (later wins), dropping ``None`` and spelling booleans ``true``."""
    merged: dict[str, Any] = {}
    for part in parts:
        if part:
            for key, value in part.items():
                if value is not None:
                    merged[key] = _query_value(value)
    return merged


def connection_error(exc: httpx.TransportError, call: PreparedCall) -> APIConnectionError:
    """Map an httpx transport failure, noting whether the server may have seen it."""
    unsent = isinstance(
        exc,
        (
            httpx.ConnectError,
            httpx.ConnectTimeout,
            httpx.PoolTimeout,
            httpx.ProxyError,
            httpx.UnsupportedProtocol,
            httpx.LocalProtocolError,
        ),
    )
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return cls(
        message,
        request=call.request,
        request_id=call.request_id,
        may_have_reached_server=not unsent,
    )
