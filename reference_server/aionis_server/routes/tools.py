"""Tools routes (§7.10): select, decision, run and feedback."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..api import begin, body_schema, respond, run_sync
from ..schemas.tools import ToolsDecisionBody, ToolsFeedbackBody, ToolsRunBody, ToolsSelectBody
from ..services.tools import tools_decision, tools_run, tools_select
from ..services.tools_feedback import tools_feedback

router = APIRouter()


@router.post("/v1/memory/tools/select", openapi_extra=body_schema(ToolsSelectBody))
async def post_tools_select(request: Request) -> Response:
    ctx = await begin(request, "context")
    return respond(ctx, await run_sync(tools_select, ctx))


@router.post("/v1/memory/tools/decision", openapi_extra=body_schema(ToolsDecisionBody))
async def post_tools_decision(request: Request) -> Response:
    ctx = await begin(request, "plain")
    return respond(ctx, await run_sync(tools_decision, ctx))


@router.post("/v1/memory/tools/run", openapi_extra=body_schema(ToolsRunBody))
async def post_tools_run(request: Request) -> Response:
    ctx = await begin(request, "plain")
    return respond(ctx, await run_sync(tools_run, ctx))


@router.post("/v1/memory/tools/feedback", openapi_extra=body_schema(ToolsFeedbackBody))
async def post_tools_feedback(request: Request) -> Response:
    ctx = await begin(request, "context")
    return respond(ctx, await run_sync(tools_feedback, ctx))
