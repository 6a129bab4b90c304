"""Reads addressed by an ``aionis://`` URI take tenant and scope from it (§7.5, §7.6)."""

from __future__ import annotations

from ..api import rescope
from ..context import RequestContext
from ..errors import bad_request
from ..identity import mismatch
from ..uris import ParsedUri


def context_for_uri(ctx: RequestContext, parsed: ParsedUri) -> RequestContext:
    """``ctx`` re-addressed to the URI's tenant and scope.

    An authenticated caller may only address its own tenant (403 ``identity_mismatch``). An
    explicit body ``tenant_id``/``scope`` that differs from the URI is 400 ``conflicting_filters``.
    """
    if ctx.principal.via != "off" and parsed.tenant_id != ctx.tenant_id:
        raise mismatch("tenant_id", parsed.tenant_id, ctx.tenant_id)
    body = ctx.body
    for key, value, current in (
        ("tenant_id", parsed.tenant_id, ctx.tenant_id),
        ("scope", parsed.scope, ctx.scope),
    ):
        if body.get(key) not in (None, "") and value != current:
            raise bad_request(
                "conflicting_filters",
                f"{key} differs from the uri",
                field=key,
                provided=current,
                uri_value=value,
            )
    if parsed.tenant_id == ctx.tenant_id and parsed.scope == ctx.scope:
        return ctx
    return rescope(ctx, parsed.tenant_id, parsed.scope)
