"""Error mapping for every status class and for bodies that are not the error_v1 envelope."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
import respx
from conftest import Handle, sample

import aionis_sdk
import aionis_sdk.types as t
from aionis_sdk import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
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

STATUS_CLASSES = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: APIStatusError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    418: APIStatusError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    501: NotSupportedByServerError,
    502: BadGatewayError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
}


@pytest.fixture
def no_retry(make_client: Callable[..., Handle]) -> Handle:
    return make_client(max_retries=0)


def _raise(
    handle: Handle,
    router: respx.MockRouter,
    response: httpx.Response,
    path: str = "/v1/memory/find",
) -> APIStatusError:
    router.post(path).mock(return_value=response)
    with pytest.raises(APIStatusError) as info:
        handle.call(lambda c: c.request("POST", path, body={}))
    return info.value


@pytest.mark.parametrize(("status", "cls"), sorted(STATUS_CLASSES.items()))
def test_status_classes_with_envelope(
    no_retry: Handle, router: respx.MockRouter, status: int, cls: type
) -> None:
    body = {
        "status": status,
        "error": "some_code",
        "message": "went wrong",
        "details": {"contract": "error_v1", "k": 1},
    }
    error = _raise(
        no_retry, router, httpx.Response(status, json=body, headers={"x-request-id": "srv-id"})
    )
    assert type(error) is cls
    assert error.status_code == status
    assert error.code == "some_code"
    assert error.message == "went wrong"
    assert error.details == {"contract": "error_v1", "k": 1}
    assert error.request_id == "srv-id"
    assert json.loads(error.body) == body
    assert error.response.status_code == status
    assert str(error) == f"{status} some_code: went wrong, request_id=srv-id"


def test_invalid_request_issues(no_retry: Handle, router: respx.MockRouter) -> None:
    issue = {"path": "candidates", "message": "Array must contain at least 1 element(s)"}
    body = {
        "status": 400,
        "error": "invalid_request",
        "message": "invalid request",
        "details": {"contract": "error_v1", "issues": [issue]},
        "issues": [issue],
    }
    error = _raise(no_retry, router, httpx.Response(400, json=body))
    assert isinstance(error, BadRequestError)
    assert error.issues == [issue]


def test_issues_only_under_details(no_retry: Handle, router: respx.MockRouter) -> None:
    issue = {"path": "", "message": "must set input_text or input_sha256"}
    body = {
        "status": 400,
        "error": "invalid_request",
        "message": "m",
        "details": {"issues": [issue]},
    }
    assert _raise(no_retry, router, httpx.Response(400, json=body)).issues == [issue]


def test_request_id_falls_back_to_the_id_sent(no_retry: Handle, router: respx.MockRouter) -> None:
    router.post("/v1/memory/find").mock(return_value=httpx.Response(400, json={"error": "bad"}))
    with pytest.raises(BadRequestError) as info:
        no_retry.call(lambda c: c.memory.find(request_id="mine"))
    assert info.value.request_id == "mine"


@pytest.mark.parametrize(
    ("status", "content", "message"),
    [
        (502, b"<html><body>Bad Gateway</body></html>", "HTTP 502 Bad Gateway"),
        (500, b"", "HTTP 500 Internal Server Error"),
        (500, b"{not json", "HTTP 500 Internal Server Error"),
        (400, b'["a", "b"]', "HTTP 400 Bad Request"),
        (400, b'"Expected object, received string"', "HTTP 400 Bad Request"),
        (503, b'{"message": "down for maintenance"}', "down for maintenance"),
        (500, b'{"error": "Internal Server Error", "message": "boom"}', "boom"),
    ],
)
def test_non_envelope_bodies(
    no_retry: Handle, router: respx.MockRouter, status: int, content: bytes, message: str
) -> None:
    error = _raise(no_retry, router, httpx.Response(status, content=content))
    assert error.status_code == status
    assert error.code == f"http_{status}"
    assert error.message == message
    assert error.body == content.decode()
    assert error.details == {}
    assert error.issues == []


def test_foreign_404_on_v1_path_means_route_not_available(
    no_retry: Handle, router: respx.MockRouter
) -> None:
    body = {
        "message": "Route POST:/v1/memory/find not found",
        "error": "Not Found",
        "statusCode": 404,
    }
    error = _raise(no_retry, router, httpx.Response(404, json=body))
    assert isinstance(error, NotFoundError)
    assert error.route_not_available is True
    assert error.code == "http_404"
    assert error.message == "Route POST:/v1/memory/find not found"


def test_reference_route_not_found_means_route_not_available(
    no_retry: Handle, router: respx.MockRouter
) -> None:
    body = {
        "status": 404,
        "error": "route_not_found",
        "message": "no route",
        "details": {"method": "POST", "path": "/v1/x"},
    }
    error = _raise(no_retry, router, httpx.Response(404, json=body), path="/v1/x")
    assert isinstance(error, NotFoundError)
    assert error.route_not_available is True


def test_missing_object_404_is_not_a_missing_route(
    no_retry: Handle, router: respx.MockRouter
) -> None:
    body = {"status": 404, "error": "node_not_found_in_scope_or_visibility", "message": "m"}
    error = _raise(no_retry, router, httpx.Response(404, json=body))
    assert isinstance(error, NotFoundError)
    assert error.route_not_available is False


def test_foreign_404_outside_v1_is_not_flagged(no_retry: Handle, router: respx.MockRouter) -> None:
    error = _raise(no_retry, router, httpx.Response(404, text="nope"), path="/other")
    assert isinstance(error, NotFoundError)
    assert error.route_not_available is False


def test_lite_error_501(no_retry: Handle, router: respx.MockRouter) -> None:
    body = {
        "error": "server_only_in_lite",
        "message": "not in lite",
        "details": {
            "contract": "lite_error_v1",
            "supported_in_lite": False,
            "route": "/v1/memory/packs/export",
        },
    }
    error = _raise(no_retry, router, httpx.Response(501, json=body))
    assert isinstance(error, NotSupportedByServerError)
    assert error.code == "server_only_in_lite"
    assert error.details["contract"] == "lite_error_v1"


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [(429, "7", 7.0), (429, None, None), (503, "2", 2.0), (503, "soon", None)],
)
def test_retry_after_attribute(
    no_retry: Handle,
    router: respx.MockRouter,
    status: int,
    header: str | None,
    expected: float | None,
) -> None:
    headers = {"retry-after": header} if header else {}
    error = _raise(
        no_retry,
        router,
        httpx.Response(status, json={"error": "rate_limited_recall"}, headers=headers),
    )
    assert isinstance(error, (RateLimitError, ServiceUnavailableError))
    assert error.retry_after == expected


def test_compatibility_aliases() -> None:
    assert aionis_sdk.AionisApiError is aionis_sdk.APIStatusError
    assert aionis_sdk.AionisNetworkError is aionis_sdk.APIConnectionError
    assert issubclass(aionis_sdk.APITimeoutError, aionis_sdk.AionisNetworkError)
    assert issubclass(aionis_sdk.CircuitOpenError, aionis_sdk.AionisError)


def test_response_not_matching_model(client: Handle, router: respx.MockRouter) -> None:
    router.post("/v1/memory/find").mock(
        return_value=httpx.Response(200, json={"ok": True}, headers={"x-request-id": "r"})
    )
    with pytest.raises(APIResponseValidationError) as info:
        client.call(lambda c: c.memory.find())
    assert info.value.request_id == "r"
    assert info.value.body == '{"ok":true}'


def test_response_not_json(client: Handle, router: respx.MockRouter) -> None:
    router.post("/v1/memory/find").mock(return_value=httpx.Response(200, text="<html>"))
    with pytest.raises(APIResponseValidationError):
        client.call(lambda c: c.memory.find())
    router.post("/v1/raw").mock(return_value=httpx.Response(200, text="<html>"))
    with pytest.raises(APIResponseValidationError):
        client.call(lambda c: c.request("POST", "/v1/raw"))


def test_strict_mode_rejects_coerced_types(
    make_client: Callable[..., Handle], router: respx.MockRouter
) -> None:
    body = sample(t.FindResponse)
    body["page"] = {"limit": "20", "offset": 0, "returned": 0, "has_more": False}
    router.post("/v1/memory/find").mock(return_value=httpx.Response(200, json=body))
    lax = make_client()
    assert lax.call(lambda c: c.memory.find()).page.limit == 20
    strict = make_client(strict_validation=True)
    with pytest.raises(APIResponseValidationError):
        strict.call(lambda c: c.memory.find())
