"""The asynchronous client: the async send loop over the shared base."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, TypeVar, cast, overload

import httpx
from pydantic import BaseModel
from tenacity import AsyncRetrying, RetryCallState
from typing_extensions import Unpack

from ._base import BaseClient
from ._circuit import CircuitBreaker
from ._config import NOT_GIVEN, NotGiven, TimeoutTypes
from ._errors import AionisError, APIConnectionError
from ._observability import Hooks, parse_server_timing, span, tracing_enabled
from ._operations import HEALTH, Operation
from ._request import PreparedCall
from ._retry import RetryPolicy
from .resources.context import AsyncContext, AsyncPlanning
from .resources.ext_store import AsyncExtStore
from .resources.memory import AsyncMemory
from .resources.packs import AsyncPacks
from .resources.rules import AsyncRules
from .resources.sessions import AsyncSessions
from .resources.tools import AsyncTools
from .types import AionisModel, HealthResponse, RequestModel
from .types.params import RequestOptionsParams

__all__ = ["AsyncAionisClient"]

R = TypeVar("R", bound=AionisModel)
M = TypeVar("M", bound=BaseModel)


async def _run_hook(hook: Any, info: Any) -> None:
    """Call a hook; await it when it is a coroutine function (or returns an awaitable)."""
    result = hook(info)
    if inspect.isawaitable(result):
        await result


class AsyncAionisClient(BaseClient):
    """Asynchronous client for the Aionis Memory API v1 (same methods, awaited).

    Use it as an async context manager, or ``await client.aclose()``.
    """

    memory: AsyncMemory
    sessions: AsyncSessions
    packs: AsyncPacks
    rules: AsyncRules
    tools: AsyncTools
    planning: AsyncPlanning
    context: AsyncContext
    _http: httpx.AsyncClient

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
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        strict_validation: bool = False,
        circuit_breaker: CircuitBreaker | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        self._sleep = asyncio.sleep
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
        self.memory = AsyncMemory(self)
        self.sessions = AsyncSessions(self)
        self.packs = AsyncPacks(self)
        self.rules = AsyncRules(self)
        self.tools = AsyncTools(self)
        self.planning = AsyncPlanning(self)
        self.context = AsyncContext(self)
        self.ext_store = AsyncExtStore(self)

    # -- lifecycle -------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connection pool (unless it was injected or is shared by a copy)."""
        if self._owns_http:
            await self._http.aclose()

    close = aclose

    @property
    def is_closed(self) -> bool:
        """Whether the connection pool this client sends through has been closed."""
        return self._http.is_closed

    async def __aenter__(self) -> AsyncAionisClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- public calls ----------------------------------------------------------------

    async def health(self, **options: Unpack[RequestOptionsParams]) -> HealthResponse:
        """GET /health: liveness, version, embedding dimension, capabilities."""
        return await self._call(HEALTH, None, cast("dict[str, Any]", options))

    @overload
    async def request(
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
    async def request(
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

    async def request(
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
        """Call any route; see :meth:`AionisClient.request`."""
        call = self._prepare_raw(method, path, body, params, idempotent, options)
        return await self._execute(call, cast_to)

    # -- the send loop ---------------------------------------------------------------

    async def _call(
        self, op: Operation[R], request: RequestModel | None, params: dict[str, Any]
    ) -> R:
        call = self._prepare(op, request, params)
        result: R = await self._execute(call, op.response_model)
        return result

    async def _execute(self, call: PreparedCall, cast_to: type[M] | None) -> Any:
        if not tracing_enabled():
            return self._finish(call, await self._send(call), cast_to)
        with span(call.operation, call.request.method, call.path) as sp:
            sp.set("aionis.request_id", call.request_id)
            try:
                response = await self._send(call)
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

    async def _send(self, call: PreparedCall) -> httpx.Response:
        call.started = self._clock()
        pending: httpx.Response | APIConnectionError
        try:
            first = await self._attempt(call)
        except APIConnectionError as exc:
            if not self._retryable_error(call, exc):
                raise
            pending = exc
        else:
            if not self._retryable_response(call, first):
                return first
            pending = first
        replay: list[httpx.Response | APIConnectionError] = [pending]

        async def attempt() -> httpx.Response:
            if replay:
                item = replay.pop()
                if isinstance(item, APIConnectionError):
                    raise item
                return item
            return await self._attempt(call)

        async def before_sleep(state: RetryCallState) -> None:
            info = self._retry_info(call, state)
            hooks = self._config.hooks
            if hooks is not None and hooks.on_retry is not None:
                await _run_hook(hooks.on_retry, info)

        retrying = AsyncRetrying(
            sleep=self._sleep, before_sleep=before_sleep, **self._tenacity_options(call)
        )
        response: httpx.Response = await retrying(attempt)
        return response

    async def _attempt(self, call: PreparedCall) -> httpx.Response:
        call.attempt += 1
        cfg = self._config
        breaker, hooks = cfg.circuit_breaker, cfg.hooks
        if breaker is not None:
            breaker.before_attempt()
        if hooks is not None and hooks.on_request is not None:
            await _run_hook(hooks.on_request, self._request_info(call))
        started = time.perf_counter()
        try:
            response = await self._http.send(call.request)
        except httpx.TransportError as exc:
            error = self._connection_error(exc, call)
            if breaker is not None:
                breaker.record_failure()
            info = self._observe(call, time.perf_counter() - started, None, error)
            if info is not None and hooks is not None and hooks.on_response is not None:
                await _run_hook(hooks.on_response, info)
            raise error from exc
        if breaker is not None:
            breaker.record_success()
        info = self._observe(call, time.perf_counter() - started, response, None)
        if info is not None and hooks is not None and hooks.on_response is not None:
            await _run_hook(hooks.on_response, info)
        return response
