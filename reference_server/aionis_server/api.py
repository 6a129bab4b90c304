"""The interface every route module uses: :func:`begin`, :func:`respond`, :func:`run_sync`.

A route calls ``ctx = await begin(request, kind)`` first. That reads and checks the body (or
the query string of a GET), authenticates, applies rate limits, resolves tenant and scope and
injects identity (§4) according to the route ``kind``:

- ``read``: recall, recall_text, find, resolve, GET sessions, GET events, packs/export
- ``write``: write, POST sessions, events, packs/import
- ``context``: rules/evaluate, tools/select, tools/feedback
- ``read_context``: planning/context, context/assemble
- ``plain``: rules/state, feedback, tools/decision, tools/run (tenant only)

Services are plain synchronous functions run in a worker thread with :func:`run_sync`.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal, TypeVar

import anyio.to_thread
from fastapi import Request
from pydantic import BaseModel
from starlette.responses import Response

from . import timing
from .auth import RateClass, authenticate
from .context import RequestContext, ServerState
from .errors import ApiError
from .identity import (
    RouteKind,
    check_scope,
    inject_local,
    inject_principal,
    resolve_tenant,
    scope_key_for,
)

__all__ = [
    "RouteKind",
    "begin",
    "body_schema",
    "encode_json",
    "rate_limit",
    "request_id_of",
    "rescope",
    "respond",
    "run_sync",
]

T = TypeVar("T")
JSON_MEDIA_TYPE = "application/json; charset=utf-8"
MAX_JSON_DEPTH = 100
_DRAIN_FACTOR = 4  # read at most this many times the limit to answer 413 on a clean connection
_SURROGATE = re.compile("[\ud800-\udfff]")
_PARSE_IN_THREAD_BYTES = 64 * 1024
# orjson turns integers beyond 64 bits into floats where ``json`` keeps them exact: a parsed
# float this large sends the body down the ``json`` path (which decides int or float).
_INT_EDGE = float(2**63)

_orjson: Any
try:  # the server extra installs orjson; without it every body takes the ``json`` path
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised only without the extra
    _orjson = None


def request_id_of(request: Request) -> str:
    """The request id assigned by the middleware (echoed in ``x-request-id``)."""
    state = request.scope.get("state") or {}
    rid = state.get("aionis_request_id")
    return rid if isinstance(rid, str) else ""


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "payload_too_large",
        f"request body exceeds {limit} bytes",
        details={"limit_bytes": limit},
    )


async def _read_body(request: Request, limit: int) -> bytes:
    """Read the body, enforcing ``limit`` while streaming (content-length is not trusted)."""
    declared = request.headers.get("content-length", "")
    over = declared.isdigit() and int(declared) > limit
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            over = True
        if over:
            if total > limit * _DRAIN_FACTOR:
                break
            continue
        chunks.append(chunk)
    if over:
        raise _too_large(limit)
    return b"".join(chunks)


def _is_json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _check_tree(value: Any) -> None:
    """Reject lone surrogates and excessive nesting, iteratively (no recursion limit)."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        item, depth, path = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ApiError(
                400,
                "invalid_request",
                "invalid request",
                issues=[{"path": path, "message": f"nesting deeper than {MAX_JSON_DEPTH} levels"}],
            )
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise ApiError(
                    400,
                    "invalid_request",
                    "invalid request",
                    issues=[
                        {"path": path, "message": "string contains an unpaired UTF-16 surrogate"}
                    ],
                )
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if _SURROGATE.search(key):
                    raise ApiError(
                        400,
                        "invalid_request",
                        "invalid request",
                        issues=[
                            {"path": path, "message": "key contains an unpaired UTF-16 surrogate"}
                        ],
                    )
                if isinstance(child, (dict, list, str)):
                    stack.append((child, depth + 1, child_path))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                if isinstance(child, (dict, list, str)):
                    stack.append((child, depth + 1, f"{path}.{index}" if path else str(index)))


def _plain_tree(value: Any) -> bool:
    """Nesting within ``MAX_JSON_DEPTH`` and no float that may have been a long integer."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return False
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
            elif isinstance(child, str):
                if depth >= MAX_JSON_DEPTH:  # _check_tree counts strings as a level too
                    return False
            elif isinstance(child, float) and abs(child) >= _INT_EDGE:
                return False
    return True


def _fast_parse(raw: bytes) -> dict[str, Any] | None:
    """orjson's parse of a body ``json`` would accept with the same result, else ``None``.

    orjson rejects what the ``json`` path rejects (NaN/Infinity, out-of-range floats, invalid
    UTF-8, lone surrogates, trailing data). Bodies it may not take verbatim (a float of 2**63
    or more, which may have been a long integer; a BOM; anything it rejects; non-objects)
    return ``None`` so the ``json`` path decides and words the error. Strings from orjson
    never hold lone surrogates, so only the nesting depth is left to check.
    """
    if _orjson is None:
        return None
    try:
        value = _orjson.loads(raw)
    except _orjson.JSONDecodeError:
        return None
    if not isinstance(value, dict) or not _plain_tree(value):
        return None
    return value


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """Parse a request body into an object, or raise ``invalid_json`` / ``invalid_request``."""
    fast = _fast_parse(raw)
    if fast is not None:
        return fast
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise ApiError(400, "invalid_json", "request body nests too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(
            400, "invalid_json", f"request body is not valid JSON: {exc}"[:300]
        ) from None
    if not isinstance(value, dict):
        kind = type(value).__name__ if value is not None else "null"
        raise ApiError(
            400,
            "invalid_request",
            "invalid request",
            issues=[{"path": "", "message": f"Expected object, received {kind}"}],
        )
    _check_tree(value)
    return value


async def _json_body(request: Request, state: ServerState, body_required: bool) -> dict[str, Any]:
    raw = await _read_body(request, state.config.max_body_bytes)
    content_type = request.headers.get("content-type")
    if not body_required and not raw.strip():
        return {}
    if content_type is not None and not _is_json_media_type(content_type):
        raise ApiError(
            415,
            "unsupported_media_type",
            "content-type must be application/json",
            details={"content_type": content_type[:200]},
        )
    if not raw.strip():
        return {}
    if content_type is None:
        raise ApiError(415, "unsupported_media_type", "content-type must be application/json")
    if len(raw) > _PARSE_IN_THREAD_BYTES:
        return await run_sync(parse_json_object, raw)
    return parse_json_object(raw)


async def rate_limit(ctx: RequestContext, cls: RateClass) -> None:
    """Consume a token of ``cls`` for the context's tenant (429 when exhausted)."""
    limiter = ctx.state.limiter
    if limiter is not None and limiter.enabled:
        await limiter.check(cls, ctx.tenant_id)


async def begin(
    request: Request,
    kind: RouteKind,
    *,
    rate: Literal["recall", "write", "debug"] | None = None,
    body_required: bool = True,
) -> RequestContext:
    """Parse, authenticate, rate-limit, resolve tenancy and inject identity for one request.

    ``body_required=False`` lets a POST route accept an empty body as ``{}`` whatever its
    content type; GET routes read the query string instead of a body.
    """
    state: ServerState = request.app.state.aionis
    config = state.config
    principal = authenticate(request, config)
    query: dict[str, str] = {}
    if request.method in ("GET", "HEAD"):
        query = dict(request.query_params.multi_items())
        for key, value in query.items():
            if _SURROGATE.search(key) or _SURROGATE.search(value):
                raise ApiError(
                    400,
                    "invalid_request",
                    "invalid request",
                    issues=[{"path": key, "message": "invalid text"}],
                )
        body: dict[str, Any] = dict(query)
    else:
        body = await _json_body(request, state, body_required)

    requested_tenant = body.get("tenant_id")
    if requested_tenant is None or requested_tenant == "":
        requested_tenant = request.headers.get("x-tenant-id") or None
    tenant_explicit = requested_tenant is not None or principal.via != "off"
    tenant_id = resolve_tenant(requested_tenant, principal, config)
    raw_scope = body.get("scope")
    scope = check_scope(raw_scope if raw_scope is not None else config.default_scope)

    if principal.via == "off":
        inject_local(body, config.local_actor_id, kind)
    else:
        body["tenant_id"] = tenant_id
        inject_principal(body, principal, kind)
    if request.method in ("GET", "HEAD"):
        query = {k: v for k, v in body.items() if isinstance(v, str)}

    ctx = RequestContext(
        state=state,
        request_id=request_id_of(request),
        principal=principal,
        tenant_id=tenant_id,
        scope=scope,
        scope_key=scope_key_for(config, tenant_id, scope),
        body=body,
        query=query,
        admin_token=request.headers.get("x-admin-token"),
        kind=kind,
        tenant_explicit=tenant_explicit,
    )
    if rate is not None:
        await rate_limit(ctx, rate)
    return ctx


def rescope(ctx: RequestContext, tenant_id: str, scope: str) -> RequestContext:
    """A copy of ``ctx`` addressing another tenant/scope (e.g. from a URI), validated."""
    from .identity import check_tenant

    tenant = check_tenant(tenant_id)
    checked_scope = check_scope(scope)
    return replace(
        ctx,
        tenant_id=tenant,
        scope=checked_scope,
        scope_key=scope_key_for(ctx.state.config, tenant, checked_scope),
    )


def dump_json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


# orjson writes a float below 1e-4 in magnitude differently from ``repr`` ("0.00001" or
# "1.5e-7" where ``json`` writes "1e-05" and "1.5e-07"), and NaN and infinities as ``null``
# (``json`` rejects them here); every other float, every string and every integer it accepts
# come out byte-identical.
_PLAIN_LEAVES = frozenset({str, int, bool, type(None)})
_INF = math.inf
_ORJSON_OPTIONS = 0
if _orjson is not None:
    # Subclasses (enums, numpy scalars), dataclasses and datetimes raise instead of being
    # converted, so they take the ``json`` path and behave as they always did.
    _ORJSON_OPTIONS = (
        _orjson.OPT_PASSTHROUGH_SUBCLASS
        | _orjson.OPT_PASSTHROUGH_DATACLASS
        | _orjson.OPT_PASSTHROUGH_DATETIME
    )


def _orjson_writes_as_json(value: Any) -> bool:
    """Every leaf is a str, int, bool, None, zero or a finite float of magnitude >= 1e-4
    (containers: dict, list, tuple), so orjson's bytes for ``value`` are ``json``'s.

    Called only after orjson encoded ``value``, so it is a tree of bounded depth (orjson
    rejects cycles and deep nesting) with str keys.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        for child in item.values() if type(item) is dict else item:
            kind = type(child)
            if kind is float:
                # False for NaN, the infinities and 0 < |child| < 1e-4.
                if not (1e-4 <= child < _INF or -_INF < child <= -1e-4 or child == 0.0):
                    return False
            elif kind is dict or kind is list or kind is tuple:
                stack.append(child)
            elif kind not in _PLAIN_LEAVES:
                return False
    return True


def encode_json(payload: Any) -> bytes:
    """Exactly the bytes of :func:`dump_json` (or its exception), usually from orjson.

    orjson is used only when its output cannot differ: a tree of plain JSON types with finite
    floats and no float below 1e-4 in magnitude. Anything else (NaN, infinities, integers
    beyond 64 bits, non-str keys, subclasses, other types, lone surrogates) takes the ``json``
    path, which writes or rejects it as before.
    """
    if _orjson is not None and type(payload) is dict:
        try:
            out: bytes = _orjson.dumps(payload, option=_ORJSON_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError
            pass
        else:
            if _orjson_writes_as_json(payload):
                return out
    return dump_json(payload)


def respond(ctx: RequestContext | None, payload: dict[str, Any], status: int = 200) -> Response:
    """A 200 JSON response with the bare resource object (§2)."""
    return Response(content=encode_json(payload), status_code=status, media_type=JSON_MEDIA_TYPE)


async def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking service code in a worker thread; it completes even if the client leaves."""
    clock = timing.current()
    if clock is None:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
    called = time.perf_counter()
    span = [called, called]

    def timed() -> T:
        span[0] = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            span[1] = time.perf_counter()

    try:
        return await anyio.to_thread.run_sync(timed)
    finally:
        clock.add("work", span[1] - span[0])
        clock.add("handoff", (span[0] - called) + (time.perf_counter() - span[1]))


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Inline ``#/$defs/…`` references so the schema stands alone inside an OpenAPI document."""
    defs = schema.pop("$defs", {})

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.split("/")[-1]
                if name in seen or name not in defs:
                    return {"type": "object"}
                merged = {k: v for k, v in node.items() if k != "$ref"}
                return {**walk(copy.deepcopy(defs[name]), (*seen, name)), **merged}
            return {k: walk(v, seen) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, seen) for v in node]
        return node

    result: dict[str, Any] = walk(schema, ())
    return result


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The ``openapi_extra`` value that documents a route's JSON body in ``/openapi.json``."""
    schema = _inline_refs(model.model_json_schema())
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }
