"""POST /v1/memory/write."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..api import begin, body_schema, respond, run_sync
from ..schemas.write import WriteBody
from ..services.write import write
from ..validation import parse_body

router = APIRouter()


@router.post("/v1/memory/write", openapi_extra=body_schema(WriteBody))
async def write_route(request: Request) -> Response:
    ctx = await begin(request, "write", rate="write")
    body = parse_body(WriteBody, ctx.body)
    return respond(ctx, await run_sync(write, ctx, body))
