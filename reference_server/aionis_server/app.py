"""The ASGI application: state lifecycle, request ids, the ``error_v1`` envelope everywhere and
the optional ``Server-Timing`` header."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import timing
from .api import JSON_MEDIA_TYPE, dump_json
from .auth import RateLimiter
from .config import ServerConfig
from .context import ServerState
from .direct_routes import DirectRoutes, direct_table
from .errors import ApiError
from .routes import all_routers
from .services.ext_store import warm_up as warm_up_store_index
from .storage.db import Database
from .storage.meta import bind_embedding
from .validation import issue_path

log = logging.getLogger("aionis_server")

VectorsArg = Any  # a VectorIndex, or a callable (db, dim, path) -> VectorIndex


def pick_request_id(value: str | None) -> str:
    """Echo an inbound id if it is 1..200 printable ASCII characters, else a new UUID v4."""
    if value and len(value) <= 200 and all(" " <= ch <= "~" for ch in value) and value.strip():
        return value
    return str(uuid.uuid4())


def _error_response(error: ApiError) -> Response:
    response = Response(
        content=dump_json(error.envelope()), status_code=error.status, media_type=JSON_MEDIA_TYPE
    )
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


class RequestIdMiddleware:
    """Assigns the request id, echoes it on every response and turns crashes into 500 envelopes.

    It sits inside Starlette's outer error middleware but catches everything itself, so even an
    unexpected exception gets the ``error_v1`` body and the ``x-request-id`` header.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inbound = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                inbound = value.decode("latin-1")
                break
        request_id = pick_request_id(inbound)
        scope.setdefault("state", {})["aionis_request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            body = dump_json(ApiError(500, "internal_error", "internal server error").envelope())
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", JSON_MEDIA_TYPE.encode()),
                        (b"content-length", str(len(body)).encode()),
                        (b"x-request-id", request_id.encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


class ServerTimingMiddleware:
    """Times each HTTP request and adds the ``Server-Timing`` header (see ``timing.py``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        clock, token = timing.start()
        started = time.perf_counter()

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                clock.add("app", time.perf_counter() - started)
                MutableHeaders(scope=message).append("server-timing", clock.header())
            await send(message)

        try:
            await self.app(scope, receive, send_with_timing)
        finally:
            timing.end(token)


async def _api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error_response(exc)


async def _http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        error = ApiError(
            404,
            "route_not_found",
            f"route {request.method}:{request.url.path} not found",
            details={"method": request.method, "path": request.url.path},
        )
    elif exc.status_code == 405:
        allow = _allowed_methods(request) or (exc.headers or {}).get("allow", "")
        error = ApiError(
            405,
            "method_not_allowed",
            f"method {request.method} not allowed on {request.url.path}",
            details={"method": request.method, "path": request.url.path, "allow": allow},
            headers={"allow": allow},
        )
    else:
        error = ApiError(exc.status_code, f"http_{exc.status_code}", str(exc.detail))
    return _error_response(error)


async def _validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    issues = [
        {"path": issue_path(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))}
        for e in exc.errors()
    ]
    return _error_response(ApiError(400, "invalid_request", "invalid request", issues=issues))


def _default_vector_path(config: ServerConfig) -> str | None:
    if config.vector_index_path:
        return config.vector_index_path
    if config.db_path == ":memory:":
        return None
    return str(Path(config.db_path).expanduser().resolve()) + ".vectors"


def build_state(
    config: ServerConfig,
    *,
    embedder: Any = None,
    vectors: VectorsArg = None,
    db: Database | None = None,
) -> ServerState:
    """Open the database and build the embedder and vector index for ``config``."""
    database = db or Database(config.db_path, synchronous=config.synchronous)
    try:
        if embedder is None:
            from .embeddings import create_provider

            embedder = create_provider(config.embedding_provider, config.embedding_dim)
        dim = int(embedder.dim)
        bind_embedding(database, str(embedder.name), dim)
        if vectors is None:
            from .vectors import VectorIndex

            vectors = VectorIndex(database, dim, _default_vector_path(config))
        elif callable(vectors) and not hasattr(vectors, "add"):
            vectors = vectors(database, dim, _default_vector_path(config))
    except BaseException:
        database.close()
        raise
    limiter = RateLimiter(config) if config.rate_limits_enabled else None
    return ServerState(
        config=config, db=database, embedder=embedder, vectors=vectors, limiter=limiter
    )


def close_state(state: ServerState) -> None:
    """Persist the vector index (if it supports it) and close the database."""
    try:
        for name in ("close", "save"):
            method: Callable[[], Any] | None = getattr(state.vectors, name, None)
            if callable(method):
                method()
                break
    finally:
        state.db.close()


def create_app(
    config: ServerConfig | None = None,
    *,
    embedder: Any = None,
    vectors: VectorsArg = None,
) -> FastAPI:
    """The Aionis reference server as a FastAPI app; storage opens in the app's lifespan.

    ``embedder`` and ``vectors`` override the configured provider and vector index (tests).
    """
    cfg = config or ServerConfig()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await anyio.to_thread.run_sync(
            lambda: build_state(cfg, embedder=embedder, vectors=vectors)
        )
        app.state.aionis = state
        # Vector-index inserts run on a background thread from here on (see vectors.py); the
        # index is saved by close_state after that thread stops.
        start_indexer: Callable[[], Any] | None = getattr(state.vectors, "start_indexer", None)
        if callable(start_indexer):
            start_indexer()
        if cfg.ext_store_index:
            warm_up_store_index(app.state, state)
        log.info("aionis reference server ready (db=%s, auth=%s)", cfg.db_path, cfg.auth_mode)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(close_state, state)

    app = FastAPI(
        title="Aionis reference server",
        version=cfg.version,
        summary="Reference implementation of the Aionis Memory API v1 on embedded SQLite",
        lifespan=lifespan,
    )
    app.state.config = cfg
    app.add_exception_handler(ApiError, _api_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    routers = all_routers()
    # Innermost user middleware, so request ids and the 500 envelope still wrap it.
    app.add_middleware(
        DirectRoutes,
        table=direct_table(route for router in routers for route in router.routes),
        handlers={ApiError: _api_error_handler, StarletteHTTPException: _http_error_handler},
    )
    app.add_middleware(RequestIdMiddleware)
    if cfg.server_timing:  # outermost of ours: its "app" phase covers the request id too
        app.add_middleware(ServerTimingMiddleware)
    served: set[tuple[str, str]] = set()
    path_methods: list[tuple[re.Pattern[str], frozenset[str]]] = []
    for router in routers:
        app.include_router(router)
        for route in router.routes:
            methods = frozenset(getattr(route, "methods", None) or ())
            for method in methods:
                served.add((method, getattr(route, "path", "")))
            regex = getattr(route, "path_regex", None)
            if regex is not None and methods:
                path_methods.append((regex, methods))
    app.state.served_routes = frozenset(served)
    app.state.path_methods = tuple(path_methods)
    return app


def _allowed_methods(request: Request) -> str:
    """Every method served on the request's path (routers answer 405 with only their own)."""
    path_methods: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = getattr(
        request.app.state, "path_methods", ()
    )
    methods: set[str] = set()
    for regex, route_methods in path_methods:
        if regex.match(request.url.path):
            methods |= route_methods
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))
