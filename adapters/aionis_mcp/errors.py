"""SDK errors as MCP tool results.

A failed Aionis call becomes a tool result with ``isError: true`` rather than a JSON-RPC
protocol error. MCP hosts hand such results to the model, which can read the code and
react (fix an argument, pick another tool); a protocol error usually stops the turn and is
shown to the user only. Each error result carries:

* ``content[0].text``: one line a model can act on, e.g.
  ``Aionis error no_tools_allowed (HTTP 400, request_id 7f…): no candidates remain …``,
  followed by the JSON object below;
* ``structuredContent.error``: ``{code, status, request_id, message, type, retryable,
  details, issues}``. ``code`` is the server's ``error_v1`` code for an HTTP error, and one
  of ``connection_error``, ``timeout``, ``circuit_open``, ``invalid_response`` or
  ``invalid_input`` otherwise.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic
from mcp.types import CallToolResult, TextContent

from aionis_sdk import (
    AionisError,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    CircuitOpenError,
)

__all__ = ["error_payload", "error_result", "tool_error_result"]

_RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def error_payload(exc: BaseException) -> dict[str, Any]:
    """The JSON-able description of an SDK (or input validation) error."""
    payload: dict[str, Any] = {
        "code": "internal_error",
        "status": None,
        "request_id": getattr(exc, "request_id", None),
        "message": str(exc),
        "type": type(exc).__name__,
        "retryable": False,
    }
    if isinstance(exc, APIStatusError):
        payload.update(
            code=exc.code,
            status=exc.status_code,
            message=exc.message,
            retryable=exc.status_code in _RETRYABLE_STATUSES,
        )
        if exc.details:
            payload["details"] = exc.details
        if exc.issues:
            payload["issues"] = exc.issues
    elif isinstance(exc, CircuitOpenError):
        payload.update(code="circuit_open", message=exc.message, retryable=True)
    elif isinstance(exc, APITimeoutError):
        payload.update(code="timeout", message=exc.message, retryable=True)
    elif isinstance(exc, APIConnectionError):
        payload.update(code="connection_error", message=exc.message, retryable=True)
    elif isinstance(exc, APIResponseValidationError):
        payload.update(code="invalid_response", status=exc.status_code, message=exc.message)
    elif isinstance(exc, pydantic.ValidationError):
        payload.update(
            code="invalid_input",
            message=f"{exc.error_count()} invalid argument(s)",
            issues=[
                {"path": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
                for err in exc.errors(include_url=False, include_input=False)
            ],
        )
    return payload


def tool_error_result(payload: dict[str, Any]) -> CallToolResult:
    """An ``isError`` tool result for an error payload."""
    status = f"HTTP {payload['status']}" if payload.get("status") is not None else "no response"
    rid = payload.get("request_id") or "-"
    head = f"Aionis error {payload['code']} ({status}, request_id {rid}): {payload['message']}"
    body = json.dumps({"error": payload}, indent=2, sort_keys=True, default=str)
    return CallToolResult(
        content=[TextContent(type="text", text=f"{head}\n{body}")],
        structured_content={"error": payload},
        is_error=True,
    )


def error_result(exc: AionisError | pydantic.ValidationError) -> CallToolResult:
    """An ``isError`` tool result for an SDK error or a client-side validation error."""
    return tool_error_result(error_payload(exc))
