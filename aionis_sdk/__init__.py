"""Typed Python client for the Aionis Memory API v1: sync and async, one error model,
one retry model.

    from aionis_sdk import AionisClient

    with AionisClient(agent_id="planner") as client:
        client.memory.write(input_text="note", nodes=[{"client_id": "n1", "type": "event",
                                                       "text_summary": "hello"}])
        hits = client.memory.recall_text(query_text="hello")
"""

from ._async_client import AsyncAionisClient
from ._circuit import CircuitBreaker
from ._client import AionisClient
from ._config import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, NOT_GIVEN, ClientConfig, NotGiven
from ._errors import (
    AionisApiError,
    AionisError,
    AionisNetworkError,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
    CircuitOpenError,
    GatewayTimeoutError,
    InternalServerError,
    MethodNotAllowedError,
    NotFoundError,
    NotSupportedByServerError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    UnprocessableEntityError,
    UnsupportedMediaTypeError,
)
from ._observability import Hooks, RequestInfo, ResponseInfo, RetryInfo
from ._retry import RetryPolicy
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AionisApiError",
    "AionisClient",
    "AionisError",
    "AionisNetworkError",
    "AsyncAionisClient",
    "AuthenticationError",
    "BadGatewayError",
    "BadRequestError",
    "CircuitBreaker",
    "CircuitOpenError",
    "ClientConfig",
    "GatewayTimeoutError",
    "Hooks",
    "InternalServerError",
    "MethodNotAllowedError",
    "NotFoundError",
    "NotGiven",
    "NotSupportedByServerError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestInfo",
    "ResponseInfo",
    "RetryInfo",
    "RetryPolicy",
    "ServiceUnavailableError",
    "UnprocessableEntityError",
    "UnsupportedMediaTypeError",
    "__version__",
]
