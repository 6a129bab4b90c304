"""Rules routes (§7.9): rules/state, rules/evaluate and rule feedback."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..api import begin, body_schema, respond, run_sync
from ..schemas.rules import RuleFeedbackBody, RulesEvaluateBody, RuleStateBody
from ..services.rules import rule_feedback, rules_evaluate, rules_state

router = APIRouter()


@router.post("/v1/memory/rules/state", openapi_extra=body_schema(RuleStateBody))
async def post_rules_state(request: Request) -> Response:
    ctx = await begin(request, "plain")
    return respond(ctx, await run_sync(rules_state, ctx))


@router.post("/v1/memory/rules/evaluate", openapi_extra=body_schema(RulesEvaluateBody))
async def post_rules_evaluate(request: Request) -> Response:
    ctx = await begin(request, "context")
    return respond(ctx, await run_sync(rules_evaluate, ctx))


@router.post("/v1/memory/feedback", openapi_extra=body_schema(RuleFeedbackBody))
async def post_feedback(request: Request) -> Response:
    ctx = await begin(request, "plain")
    return respond(ctx, await run_sync(rule_feedback, ctx))
