"""Sessions and events: POST/GET /v1/memory/sessions, POST /v1/memory/events, GET events."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..api import begin, body_schema, respond, run_sync
from ..schemas.sessions import AppendEventBody, CreateSessionBody
from ..services.session_lists import list_events, list_sessions
from ..services.sessions import append_event, create_session
from ..validation import parse_body

router = APIRouter()


@router.post("/v1/memory/sessions", openapi_extra=body_schema(CreateSessionBody))
async def create_session_route(request: Request) -> Response:
    ctx = await begin(request, "write", rate="write")
    body = parse_body(CreateSessionBody, ctx.body)
    return respond(ctx, await run_sync(create_session, ctx, body))


@router.get("/v1/memory/sessions")
async def list_sessions_route(request: Request) -> Response:
    ctx = await begin(request, "read", rate="recall")
    return respond(ctx, await run_sync(list_sessions, ctx))


@router.post("/v1/memory/events", openapi_extra=body_schema(AppendEventBody))
async def append_event_route(request: Request) -> Response:
    ctx = await begin(request, "write", rate="write")
    body = parse_body(AppendEventBody, ctx.body)
    return respond(ctx, await run_sync(append_event, ctx, body))


@router.get("/v1/memory/sessions/{session_id:path}/events")
async def list_events_route(request: Request, session_id: str) -> Response:
    ctx = await begin(request, "read", rate="recall")
    return respond(ctx, await run_sync(list_events, ctx, session_id))
