"""Composite routes (§7.11): planning/context and context/assemble."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..api import begin, body_schema, respond, run_sync
from ..schemas.planning import ContextAssembleBody, PlanningContextBody
from ..services.composite import context_assemble, planning_context

router = APIRouter()


@router.post("/v1/memory/planning/context", openapi_extra=body_schema(PlanningContextBody))
async def post_planning_context(request: Request) -> Response:
    ctx = await begin(request, "read_context", rate="recall")
    return respond(ctx, await run_sync(planning_context, ctx))


@router.post("/v1/memory/context/assemble", openapi_extra=body_schema(ContextAssembleBody))
async def post_context_assemble(request: Request) -> Response:
    ctx = await begin(request, "read_context", rate="recall")
    return respond(ctx, await run_sync(context_assemble, ctx))
