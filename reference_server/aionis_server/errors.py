"""The one exception type every layer of the server raises for an API error.

The HTTP layer turns an :class:`ApiError` into the spec's ``error_v1`` envelope (§3.1), so
services never build responses for failures themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ApiError(Exception):
    """An API error with its HTTP status, stable code, message, details and issues."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Mapping[str, Any] | None = None,
        issues: Sequence[Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        self.issues: list[dict[str, str]] | None = (
            [dict(i) for i in issues] if issues is not None else None
        )
        self.headers: dict[str, str] = dict(headers or {})

    def envelope(self) -> dict[str, Any]:
        """The ``error_v1`` body for this error."""
        details = {"contract": "error_v1", **self.details}
        body: dict[str, Any] = {
            "status": self.status,
            "error": self.code,
            "message": self.message,
            "details": details,
        }
        if self.issues is not None:
            details["issues"] = self.issues
            body["issues"] = self.issues
        return body


def bad_request(code: str, message: str, **details: Any) -> ApiError:
    """A 400 with ``code`` and keyword details."""
    return ApiError(400, code, message, details=details)


def invalid_request(
    issues: Sequence[Mapping[str, str]], message: str = "invalid request"
) -> ApiError:
    """A 400 ``invalid_request`` carrying validation ``issues`` (``[{path, message}]``)."""
    return ApiError(400, "invalid_request", message, issues=issues)


def not_found(code: str, message: str, **details: Any) -> ApiError:
    """A 404 with ``code`` and keyword details."""
    return ApiError(404, code, message, details=details)
