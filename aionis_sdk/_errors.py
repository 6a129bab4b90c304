"""The SDK's exception hierarchy and the mapping from HTTP responses to it (spec §3.5).

Every status error carries the same fields whatever the server sent: the reference server's
``error_v1`` envelope, an existing server's foreign 404 shape, HTML from a proxy, or nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AionisApiError",
    "AionisError",
    "AionisNetworkError",
    "AuthenticationError",
    "BadGatewayError",
    "BadRequestError",
    "CircuitOpenError",
    "GatewayTimeoutError",
    "InternalServerError",
    "MethodNotAllowedError",
    "NotFoundError",
    "NotSupportedByServerError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServiceUnavailableError",
    "UnprocessableEntityError",
    "UnsupportedMediaTypeError",
    "make_status_error",
    "parse_retry_after",
]

_SNAKE_CODE = re.compile(r"^[a-z0-9_]+$")


class AionisError(Exception):
    """Root of every exception this SDK raises on purpose."""


class APIConnectionError(AionisError):
    """The request failed at the transport level: no HTTP response was received.

    ``may_have_reached_server`` is False when the failure happened before the request was
    sent (DNS, refused connection, connect or pool timeout), so a retry cannot duplicate it.
    """

    def __init__(
        self,
        message: str = "connection error",
        *,
        request: httpx.Request | None = None,
        request_id: str | None = None,
        may_have_reached_server: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.request_id = request_id
        self.may_have_reached_server = may_have_reached_server


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout expired."""


class CircuitOpenError(APIConnectionError):
    """The circuit breaker is open: the call failed fast without touching the network."""


class APIResponseValidationError(AionisError):
    """A 2xx response body did not match the response model."""

    def __init__(
        self, message: str, *, response: httpx.Response, request_id: str | None, body: str
    ) -> None:
        super().__init__(message)
        self.message = message
        self.response = response
        self.status_code = response.status_code
        self.request_id = request_id
        self.body = body


class APIStatusError(AionisError):
    """The server answered with a non-2xx status."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        code: str,
        details: dict[str, Any] | None = None,
        issues: list[dict[str, Any]] | None = None,
        request_id: str | None = None,
        body: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.response = response
        self.status_code = response.status_code
        self.code = code
        self.details: dict[str, Any] = details or {}
        self.issues: list[dict[str, Any]] = issues or []
        self.request_id = request_id
        self.body = body

    def __str__(self) -> str:
        rid = f", request_id={self.request_id}" if self.request_id else ""
        return f"{self.status_code} {self.code}: {self.message}{rid}"


class BadRequestError(APIStatusError):
    """400: the request was rejected; ``issues`` lists validation failures when present."""


class AuthenticationError(APIStatusError):
    """401: missing or invalid credentials (or admin token)."""


class PermissionDeniedError(APIStatusError):
    """403: e.g. ``identity_mismatch`` or ``session_owner_mismatch``."""


class NotFoundError(APIStatusError):
    """404. ``route_not_available`` is True when the server does not serve this route at all."""

    route_not_available: bool = False


class MethodNotAllowedError(APIStatusError):
    """405: known path, wrong method."""


class PayloadTooLargeError(APIStatusError):
    """413: body over the server's limit (5 MiB on the reference server)."""


class UnsupportedMediaTypeError(APIStatusError):
    """415: the body was not sent as JSON."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class _RetryAfterMixin:
    retry_after: float | None = None


class RateLimitError(_RetryAfterMixin, APIStatusError):
    """429: rate limited or backpressure; ``retry_after`` in seconds when the server sent one."""


class InternalServerError(APIStatusError):
    """500."""


class NotSupportedByServerError(APIStatusError):
    """501: the server does not support this route or capability (never retried)."""


class BadGatewayError(APIStatusError):
    """502: e.g. the embedding provider returned garbage."""


class ServiceUnavailableError(_RetryAfterMixin, APIStatusError):
    """503: a dependency is unavailable; ``retry_after`` in seconds when sent."""


class GatewayTimeoutError(APIStatusError):
    """504."""


#: 0.2.x names, kept importable so existing ``except`` clauses keep working.
AionisApiError = APIStatusError
AionisNetworkError = APIConnectionError

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    501: NotSupportedByServerError,
    502: BadGatewayError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
}


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        import time

        current = time.time() if now is None else now
        return max(0.0, when.timestamp() - current)
    return max(0.0, seconds) if seconds == seconds else None  # NaN guard


def _issues(body: dict[str, Any], details: dict[str, Any] | None) -> list[dict[str, Any]]:
    raw = body.get("issues")
    if not isinstance(raw, list) and details is not None:
        raw = details.get("issues")
    if not isinstance(raw, list):
        return []
    return [item for item in raw if isinstance(item, dict)]


def make_status_error(response: httpx.Response, request_id: str | None) -> APIStatusError:
    """Build the status-specific error for a non-2xx response, whatever its body."""
    status = response.status_code
    text = response.text
    parsed: Any = None
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    code = f"http_{status}"
    message = f"HTTP {status} {response.reason_phrase or 'error'}".strip()
    details: dict[str, Any] | None = None
    issues: list[dict[str, Any]] = []
    envelope = False
    if isinstance(parsed, dict):
        err = parsed.get("error")
        if isinstance(err, str) and _SNAKE_CODE.match(err):
            envelope = True
            code = err
            raw_details = parsed.get("details")
            details = raw_details if isinstance(raw_details, dict) else None
            issues = _issues(parsed, details)
        msg = parsed.get("message")
        if isinstance(msg, str) and msg:
            message = msg
    rid = response.headers.get("x-request-id") or request_id
    cls = _BY_STATUS.get(status, APIStatusError)
    error = cls(
        message,
        response=response,
        code=code,
        details=details,
        issues=issues,
        request_id=rid,
        body=text,
    )
    if isinstance(error, _RetryAfterMixin):
        error.retry_after = parse_retry_after(response.headers.get("retry-after"))
    if isinstance(error, NotFoundError):
        try:
            on_v1 = response.request.url.path.startswith("/v1/")
        except RuntimeError:  # a response built without a request
            on_v1 = False
        error.route_not_available = on_v1 and (not envelope or code == "route_not_found")
    return error
