"""The synchronous client: the send loop over the shared base."""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, TypeVar, cast, overload

import httpx
from pydantic import BaseModel
from tenacity import RetryCallState, Retrying
from typing_extensions import Unpack

from ._base import BaseClient
from ._circuit import CircuitBreaker
from ._config import NOT_GIVEN, NotGiven, TimeoutTypes
from ._errors import AionisError, APIConnectionError
from ._observability import Hooks, parse_server_timing, span, tracing_enabled
from ._operations import HEALTH, Operation
from ._request import PreparedCall
from ._retry import RetryPolicy
from .resources.context import Context, Planning
from .resources.ext_store import ExtStore
from .resources.memory import Memory
from .resources.packs import Packs
from .resources.rules import Rules
from .resources.sessions import Sessions
from .resources.tools import Tools
from .types import AionisModel, HealthResponse, RequestModel
from .types.params import RequestOptionsParams

__all__ = ["AionisClient"]

R = TypeVar("R", bound=AionisModel)
M = TypeVar("M", bound=BaseModel)


class AionisClient(BaseClient):
    """Synchronous client for the Aionis Memory API v1.

    Use it as a context manager, or call :meth:`close`. One client holds one connection
    pool; keep it for the life of the program (creating a client per call is slow).
    """

    memory: Memory
    sessions: Sessions
    packs: Packs
    rules: Rules
    tools: Tools
    planning: Planning
    context: Context
    _http: httpx.Client

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
        http_client: httpx.Client | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        strict_validation: bool = False,
        circuit_breaker: CircuitBreaker | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client()
        self._sleep = time.sleep
        super().__init__(
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

    def _bind_resources(self) -> None:
        self.memory = Memory(self)
        self.sessions = Sessions(self)
        self.packs = Packs(self)
        self.rules = Rules(self)
        self.tools = Tools(self)
        self.planning = Planning(self)
        self.context = Context(self)
        self.ext_store = ExtStore(self)

    # -- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool (unless it was injected or is shared by a copy)."""
        if self._owns_http:
            self._http.close()

    @property
    def is_closed(self) -> bool:
        """Whether the connection pool this client sends through has been closed."""
        return self._http.is_closed

    def __enter__(self) -> AionisClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- public calls ----------------------------------------------------------------

    def health(self, **options: Unpack[RequestOptionsParams]) -> HealthResponse:
        """GET /health: liveness, version, embedding dimension, capabilities."""
        return self._call(HEALTH, None, cast("dict[str, Any]", options))

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = ...,
        params: Mapping[str, Any] | None = ...,
        cast_to: type[M],
        idempotent: bool = ...,
        **options: Unpack[RequestOptionsParams],
    ) -> M: ...

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = ...,
        params: Mapping[str, Any] | None = ...,
        cast_to: None = ...,
        idempotent: bool = ...,
        **options: Unpack[RequestOptionsParams],
    ) -> Any: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        cast_to: type[M] | None = None,
        idempotent: bool = False,
        **options: Any,
    ) -> Any:
        """Call any route, e.g. one the SDK does not model (see docs: "not covered").

        Nothing is injected. Returns the parsed JSON, or ``cast_to`` validated from it.
        ``idempotent=True`` allows retries after the request may have reached the server.
        """
        call = self._prepare_raw(method, path, body, params, idempotent, options)
        return self._execute(call, cast_to)

    # -- the send loop ---------------------------------------------------------------

    def _call(self, op: Operation[R], request: RequestModel | None, params: dict[str, Any]) -> R:
        call = self._prepare(op, request, params)
        result: R = self._execute(call, op.response_model)
        return result

    def _execute(self, call: PreparedCall, cast_to: type[M] | None) -> Any:
        if not tracing_enabled():
            return self._finish(call, self._send(call), cast_to)
        with span(call.operation, call.request.method, call.path) as sp:
            sp.set("aionis.request_id", call.request_id)
            try:
                response = self._send(call)
                sp.set("http.response.status_code", response.status_code)
                timing = parse_server_timing(response.headers.get("server-timing"))
                for phase, ms in (timing or {}).items():
                    sp.set(f"aionis.server_timing.{phase}_ms", ms)
                return self._finish(call, response, cast_to)
            except AionisError as exc:
                sp.error(exc)
                raise
            finally:
                sp.set("aionis.retry_count", max(0, call.attempt - 1))

    def _send(self, call: PreparedCall) -> httpx.Response:
        call.started = self._clock()
        pending: httpx.Response | APIConnectionError
        try:
            first = self._attempt(call)
        except APIConnectionError as exc:
            if not self._retryable_error(call, exc):
                raise
            pending = exc
        else:
            if not self._retryable_response(call, first):
                return first
            pending = first
        # Slow path: tenacity drives the retries; its first "attempt" replays the outcome
        # we already have, so the common case pays nothing for the retry machinery.
        replay: list[httpx.Response | APIConnectionError] = [pending]

        def attempt() -> httpx.Response:
            if replay:
                item = replay.pop()
                if isinstance(item, APIConnectionError):
                    raise item
                return item
            return self._attempt(call)

        def before_sleep(state: RetryCallState) -> None:
            info = self._retry_info(call, state)
            hooks = self._config.hooks
            if hooks is not None and hooks.on_retry is not None:
                hooks.on_retry(info)

        retrying = Retrying(
            sleep=self._sleep, before_sleep=before_sleep, **self._tenacity_options(call)
        )
        response: httpx.Response = retrying(attempt)
        return response

    def _attempt(self, call: PreparedCall) -> httpx.Response:
        call.attempt += 1
        cfg = self._config
        breaker, hooks = cfg.circuit_breaker, cfg.hooks
        if breaker is not None:
            breaker.before_attempt()
        if hooks is not None and hooks.on_request is not None:
            hooks.on_request(self._request_info(call))
        started = time.perf_counter()
        try:
            response = self._http.send(call.request)
        except httpx.TransportError as exc:
            error = self._connection_error(exc, call)
            if breaker is not None:
                breaker.record_failure()
            info = self._observe(call, time.perf_counter() - started, None, error)
            if info is not None and hooks is not None and hooks.on_response is not None:
                hooks.on_response(info)
            raise error from exc
        if breaker is not None:
            breaker.record_success()
        info = self._observe(call, time.perf_counter() - started, response, None)
        if info is not None and hooks is not None and hooks.on_response is not None:
            hooks.on_response(info)
        return response
