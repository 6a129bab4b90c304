"""POST /v1/memory/packs/export and /v1/memory/packs/import (admin token when configured)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..api import begin, body_schema, respond, run_sync
from ..auth import require_admin
from ..schemas.packs import ExportBody, ImportBody
from ..services.packs import export_pack, import_pack
from ..validation import parse_body

router = APIRouter()


@router.post("/v1/memory/packs/export", openapi_extra=body_schema(ExportBody))
async def export_route(request: Request) -> Response:
    ctx = await begin(request, "read", rate="recall")
    require_admin(ctx)
    body = parse_body(ExportBody, ctx.body)
    return respond(ctx, await run_sync(export_pack, ctx, body))


@router.post("/v1/memory/packs/import", openapi_extra=body_schema(ImportBody))
async def import_route(request: Request) -> Response:
    ctx = await begin(request, "write", rate="write")
    require_admin(ctx)
    body = parse_body(ImportBody, ctx.body)
    return respond(ctx, await run_sync(import_pack, ctx, body))
