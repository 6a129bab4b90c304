"""Direct dispatch of exact-path routes, ahead of FastAPI's router.

Every API route but one is an ``async def endpoint(request: Request) -> Response`` on a fixed
path: it reads and validates its own body and returns its own response, so FastAPI's routing,
dependency solving and exception middleware add nothing to it but time (~0.1 ms of a ~1.3 ms
``/write`` on the benchmark machine, see docs/performance.md). :class:`DirectRoutes` sits inside
:class:`~aionis_server.app.RequestIdMiddleware` and calls such endpoints itself, turning
:class:`~aionis_server.errors.ApiError` and Starlette's ``HTTPException`` into the same
envelopes the app's exception handlers write. Anything else (other paths, methods, path
parameters) goes on to FastAPI unchanged, and the routes stay declared on FastAPI's routers,
which still build the OpenAPI document.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["DirectRoutes", "Endpoint", "ErrorHandler", "direct_table"]

Endpoint = Callable[[Request], Awaitable[Response]]
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


def takes_only_request(endpoint: Callable[..., Any]) -> bool:
    """Whether ``endpoint`` is a coroutine function of exactly one ``Request`` parameter."""
    if not inspect.iscoroutinefunction(endpoint):
        return False
    params = list(inspect.signature(endpoint).parameters.values())
    if len(params) != 1 or params[0].kind not in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    ):
        return False
    try:
        hints = typing.get_type_hints(endpoint)
    except (NameError, TypeError):
        return False
    return hints.get(params[0].name) is Request


def direct_table(routes: Iterable[BaseRoute]) -> dict[tuple[str, str], Endpoint]:
    """``(method, path) -> endpoint`` for every route without path parameters whose endpoint
    takes only the request. Compiled path patterns with parameters never match here: their
    ``path`` holds ``{...}``."""
    table: dict[tuple[str, str], Endpoint] = {}
    for route in routes:
        path: str | None = getattr(route, "path", None)
        endpoint = getattr(route, "endpoint", None)
        methods = getattr(route, "methods", None) or ()
        if not path or "{" in path or endpoint is None or not takes_only_request(endpoint):
            continue
        for method in methods:
            table.setdefault((method, path), endpoint)
    return table


class DirectRoutes:
    """Pure ASGI middleware: serves ``table``'s routes itself, passes the rest to ``app``.

    ``handlers`` maps exception classes to the app's handlers for them; an exception with no
    handler propagates, as it would through FastAPI's exception middleware.
    """

    def __init__(
        self,
        app: ASGIApp,
        table: Mapping[tuple[str, str], Endpoint],
        handlers: Mapping[type[Exception], ErrorHandler],
    ) -> None:
        self.app = app
        self.table = table
        self.handlers = tuple(handlers.items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        endpoint = self.table.get((scope["method"], scope["path"]))
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive, send)
        try:
            response = await endpoint(request)
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)

    def _handler_for(self, exc: Exception) -> ErrorHandler | None:
        for cls, handler in self.handlers:
            if isinstance(exc, cls):
                return handler
        return None
