"""Everything the sync and async clients share that does no I/O.

Configuration, URL/query/header building, identity injection, the per-call options, the
retry decisions handed to tenacity, error mapping and response parsing all live here once.
``AionisClient`` and ``AsyncAionisClient`` only add the send loop and ``close``.
"""

from __future__ import annotations

import copy
import json
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState
from typing_extensions import Self

from ._config import NOT_GIVEN, ClientConfig, NotGiven, TimeoutTypes, coerce_timeout, resolve_config
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    make_status_error,
)
from ._identity import inject_identity
from ._observability import (
    RequestInfo,
    ResponseInfo,
    RetryInfo,
    logger,
    parse_server_timing,
    redact_headers,
)
from ._operations import Operation
from ._request import CallOptions, PreparedCall, connection_error, encode_query
from ._retry import RetryPolicy, should_retry_exception, should_retry_response, tenacity_options
from ._version import __version__
from .types import AionisModel, RequestModel

if TYPE_CHECKING:
    from ._circuit import CircuitBreaker
    from ._observability import Hooks

__all__ = ["BaseClient"]

M = TypeVar("M", bound=BaseModel)

USER_AGENT = f"aionis-sdk-python/{__version__}"
_CONFIG_FIELDS = frozenset(ClientConfig.__dataclass_fields__) | {"max_retries"}


def _dump(model: RequestModel) -> dict[str, Any]:
    # Path parameters stay in the dump here; the operation moves them into the URL.
    return model.model_dump(mode="json", exclude_none=True, by_alias=True)


class BaseClient:
    """Configuration and request/response handling shared by both clients."""

    _config: ClientConfig
    _http: httpx.Client | httpx.AsyncClient
    _owns_http: bool

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        bearer_token: str | None = None,
        admin_token: str | None = None,
        tenant_id: str | None = None,
        scope: str | None = None,
        agent_id: str | None = None,
        team_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        strict_validation: bool = False,
        circuit_breaker: CircuitBreaker | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        self._config = resolve_config(
            base_url=base_url,
            api_key=api_key,
            bearer_token=bearer_token,
            admin_token=admin_token,
            tenant_id=tenant_id,
            scope=scope,
            agent_id=agent_id,
            team_id=team_id,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            default_headers=default_headers,
            default_query=default_query,
            strict_validation=strict_validation,
            circuit_breaker=circuit_breaker,
            hooks=hooks,
        )
        self._clock: Callable[[], float] = time.monotonic
        self._rand: Callable[[], float] = random.random
        self._configure()

    # -- configuration ---------------------------------------------------------------

    @property
    def config(self) -> ClientConfig:
        """The resolved configuration (immutable)."""
        return self._config

    @property
    def base_url(self) -> str:
        return self._config.base_url

    def _configure(self) -> None:
        """Precompute what every request reuses, so a call does not rebuild it."""
        cfg = self._config
        # The pool's own default headers (an injected client may carry some) are merged
        # once here, because requests are built directly rather than via build_request.
        headers = {k.lower(): v for k, v in self._http.headers.items()}
        headers.update({"accept": "application/json", "user-agent": USER_AGENT})
        if cfg.api_key:
            headers["x-api-key"] = cfg.api_key
        if cfg.bearer_token:
            headers["authorization"] = f"Bearer {cfg.bearer_token}"
        if cfg.admin_token:
            headers["x-admin-token"] = cfg.admin_token
        headers.update({k.lower(): v for k, v in cfg.default_headers.items()})
        self._base_headers = headers
        self._timeout_ext = cfg.timeout.as_dict()
        self._bind_resources()

    def _bind_resources(self) -> None:
        """Attach resource objects; the concrete clients override this."""

    def with_options(self, **overrides: Any) -> Self:
        """A copy with some configuration replaced, sharing this client's connection pool.

        Accepts any constructor argument except ``http_client``. Closing the copy does not
        close the shared pool; close the original.
        """
        unknown = set(overrides) - _CONFIG_FIELDS
        if unknown:
            raise TypeError(f"with_options() got unknown options: {sorted(unknown)}")
        changes = dict(overrides)
        if "timeout" in changes:
            changes["timeout"] = coerce_timeout(changes["timeout"])
        if "base_url" in changes:
            changes["base_url"] = str(changes["base_url"]).rstrip("/")
        if "max_retries" in changes:
            policy = changes.get("retry", self._config.retry)
            changes["retry"] = policy.with_max_retries(changes.pop("max_retries"))
        clone = copy.copy(self)
        clone._config = replace(self._config, **changes)
        clone._owns_http = False
        clone._configure()
        return clone

    # -- request building ------------------------------------------------------------

    def _prepare(
        self, op: Operation[Any], request: RequestModel | None, params: dict[str, Any]
    ) -> PreparedCall:
        """Validate the input client-side and build the request of one logical call.

        Invalid input raises pydantic's ``ValidationError`` before any I/O.
        """
        options = CallOptions.pop_from(params)
        model_cls = op.request_model
        if request is not None:
            if params:
                raise TypeError("pass either a request model or keyword fields, not both")
            if model_cls is not None and not isinstance(request, model_cls):
                raise TypeError(
                    f"{op.name} expects {model_cls.__name__}, got {type(request).__name__}"
                )
            body = _dump(request)
        elif model_cls is not None:
            body = _dump(model_cls(**params))
        else:
            if params:
                raise TypeError(f"{op.name} takes no fields, got {sorted(params)}")
            body = {}
        inject_identity(op, body, self._config)
        if op.name == "sessions.append_event" and not body.get("event_id"):
            # A client-chosen event_id makes the append idempotent (§5.8), so it is safe to
            # retry after a read timeout: the server dedupes the second attempt.
            body["event_id"] = str(uuid.uuid4())
        if options.extra_body:
            body.update(options.extra_body)
        path = op.path
        for name in op.path_params:
            value = body.pop(name, None)
            if value in (None, ""):
                raise ValueError(f"{op.name} requires {name}")
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        idempotent = options.retry_unsafe or op.is_idempotent(body)
        if op.method == "GET":
            return self._build(op.name, "GET", path, None, body, options, idempotent)
        return self._build(op.name, op.method, path, body, None, options, idempotent)

    def _build(
        self,
        operation: str,
        method: str,
        path: str,
        body: Any,
        query: Mapping[str, Any] | None,
        options: CallOptions,
        idempotent: bool,
    ) -> PreparedCall:
        cfg = self._config
        request_id = options.request_id or str(uuid.uuid4())
        headers = self._base_headers.copy()
        headers["x-request-id"] = request_id
        content: bytes | None = None
        if method != "GET":
            # Always send at least {}: existing servers fail on an empty POST body (§2).
            payload = {} if body is None else body
            content = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
            headers["content-type"] = "application/json"
        if options.extra_headers:
            headers.update({k.lower(): v for k, v in options.extra_headers.items()})
        if query or cfg.default_query or options.extra_query:
            params = encode_query(cfg.default_query, query, options.extra_query)
        else:
            params = None
        if isinstance(options.timeout, NotGiven):
            timeout = self._timeout_ext
        else:
            timeout = coerce_timeout(options.timeout).as_dict()
        # Built directly (not via build_request): the pool's headers are already merged in
        # _configure, and this skips a per-call header merge that costs more than the rest.
        request = httpx.Request(
            method,
            cfg.base_url + path,
            params=params or None,
            headers=headers,
            content=content,
            extensions={"timeout": timeout},
        )
        max_retries = cfg.retry.max_retries if options.max_retries is None else options.max_retries
        return PreparedCall(operation, path, request, request_id, idempotent, max_retries)

    def _prepare_raw(
        self,
        method: str,
        path: str,
        body: Any,
        params: Mapping[str, Any] | None,
        idempotent: bool,
        option_kwargs: dict[str, Any],
    ) -> PreparedCall:
        options = CallOptions.pop_from(option_kwargs)
        if option_kwargs:
            raise TypeError(f"request() got unexpected arguments: {sorted(option_kwargs)}")
        method = method.upper()
        if not path.startswith("/"):
            path = "/" + path
        if options.extra_body and isinstance(body, dict):
            body = {**body, **options.extra_body}
        return self._build(
            f"request.{method.lower()}",
            method,
            path,
            None if method == "GET" else body,
            params,
            options,
            idempotent or options.retry_unsafe,
        )

    # -- retry decisions (pure; handed to tenacity) ----------------------------------

    def _retryable_error(self, call: PreparedCall, exc: BaseException) -> bool:
        return call.attempt <= call.max_retries and should_retry_exception(
            exc, idempotent=call.idempotent
        )

    def _retryable_response(self, call: PreparedCall, response: httpx.Response) -> bool:
        return call.attempt <= call.max_retries and should_retry_response(
            response, idempotent=call.idempotent, policy=self._config.retry
        )

    def _tenacity_options(self, call: PreparedCall) -> dict[str, Any]:
        """The ``retry=``, ``wait=`` and ``stop=`` callables of one logical call."""
        return tenacity_options(call, self._config.retry, clock=self._clock, rand=self._rand)

    def _retry_info(self, call: PreparedCall, state: RetryCallState) -> RetryInfo:
        outcome = state.outcome
        if outcome is not None and outcome.failed:
            reason = type(outcome.exception()).__name__
        elif outcome is not None:
            reason = f"http_{outcome.result().status_code}"
        else:
            reason = "unknown"
        info = RetryInfo(
            call.operation, call.request_id, call.attempt, state.upcoming_sleep, reason
        )
        logger.info(
            "aionis retry %s request_id=%s after attempt %d (%s), sleeping %.3fs",
            call.operation,
            call.request_id,
            call.attempt,
            reason,
            info.delay,
        )
        return info

    # -- attempts --------------------------------------------------------------------

    def _request_info(self, call: PreparedCall) -> RequestInfo:
        req = call.request
        return RequestInfo(
            call.operation,
            req.method,
            str(req.url),
            call.request_id,
            call.attempt,
            redact_headers(req.headers),
        )

    def _observe(
        self,
        call: PreparedCall,
        elapsed: float,
        response: httpx.Response | None,
        error: BaseException | None,
    ) -> ResponseInfo | None:
        """Log one attempt; return the info for ``on_response`` only when a hook wants it."""
        status = None if response is None else response.status_code
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "aionis %s %s request_id=%s attempt=%d status=%s elapsed_ms=%.1f%s",
                call.request.method,
                call.path,
                call.request_id,
                call.attempt,
                status,
                elapsed * 1000,
                f" error={type(error).__name__}" if error else "",
            )
        hooks = self._config.hooks
        if hooks is None or hooks.on_response is None:
            return None
        return ResponseInfo(
            call.operation,
            call.request.method,
            str(call.request.url),
            call.request_id,
            call.attempt,
            status,
            elapsed,
            error,
            None
            if response is None
            else parse_server_timing(response.headers.get("server-timing")),
        )

    @staticmethod
    def _connection_error(exc: httpx.TransportError, call: PreparedCall) -> APIConnectionError:
        return connection_error(exc, call)

    # -- responses -------------------------------------------------------------------

    def _finish(self, call: PreparedCall, response: httpx.Response, cast_to: type[M] | None) -> Any:
        """Raise the mapped error for a non-2xx response, else parse the body."""
        if not 200 <= response.status_code < 300:
            raise make_status_error(response, call.request_id)
        request_id = response.headers.get("x-request-id") or call.request_id
        if cast_to is None:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError as exc:
                raise APIResponseValidationError(
                    "response body is not JSON",
                    response=response,
                    request_id=request_id,
                    body=response.text,
                ) from exc
        try:
            model = cast_to.model_validate_json(
                response.content, strict=self._config.strict_validation
            )
        except ValidationError as exc:
            raise APIResponseValidationError(
                f"response did not match {cast_to.__name__}: {exc}",
                response=response,
                request_id=request_id,
                body=response.text,
            ) from exc
        if isinstance(model, AionisModel):
            model._set_request_id(request_id)
        return model
