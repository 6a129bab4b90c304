"""Recall routes (§7.4): /v1/memory/recall and /v1/memory/recall_text."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..api import begin, body_schema, rate_limit, respond, run_sync
from ..context import RequestContext
from ..schemas.recall import RecallBody, RecallTextBody
from ..services.recall import recall_service, recall_text_service

router = APIRouter()


async def _begin_recall(request: Request) -> RequestContext:
    """Authenticate, then charge the debug bucket for the embeddings channel, else recall."""
    ctx = await begin(request, "read")
    await rate_limit(ctx, "debug" if ctx.body.get("include_embeddings") is True else "recall")
    return ctx


@router.post("/v1/memory/recall", openapi_extra=body_schema(RecallBody))
async def post_recall(request: Request) -> Response:
    ctx = await _begin_recall(request)
    return respond(ctx, await run_sync(recall_service, ctx, ctx.body))


@router.post("/v1/memory/recall_text", openapi_extra=body_schema(RecallTextBody))
async def post_recall_text(request: Request) -> Response:
    ctx = await _begin_recall(request)
    return respond(ctx, await run_sync(recall_text_service, ctx, ctx.body))
