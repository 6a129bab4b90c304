"""``TypedDict`` s of the keyword arguments of every resource method.

``client.memory.write(input_text=..., nodes=[{"type": "event", ...}])`` is checked by mypy
and completed by IDEs through these: each ``XxxParams`` mirrors the fields of the request
model ``XxxRequest`` (plus the per-call options of :class:`RequestOptionsParams`), and nested
inputs have a ``...Param`` dict type (``WriteNodeParam``, ``EdgeEndpointParam``, ...) that
may be mixed with the pydantic models. They exist only for type checkers: at runtime the
request model still validates every call. ``tests/sdk/test_params_drift.py`` keeps each one
equal to its model (keys, required-ness, ``None``-ability, literal values).
"""

from .params_common import (
    NodeViewParams,
    ReadIdentityParams,
    RequestOptionsParams,
    ScopedParams,
    SequenceNotStr,
    WriteIdentityParams,
)
from .params_memory import (
    EdgeEndpointParam,
    FindParams,
    ResolveParams,
    WriteEdgeParam,
    WriteNodeParam,
    WriteParams,
)
from .params_recall import (
    ContextAssembleParams,
    MemoryLayerPreferenceParam,
    PlanningContextParams,
    RecallOptionsParams,
    RecallParams,
    RecallTextParams,
)
from .params_sessions import (
    AppendEventParams,
    CreateSessionParams,
    ListEventsParams,
    ListSessionsParams,
    PackExportParams,
    PackImportParams,
)
from .params_tools import (
    RuleFeedbackParams,
    RulesEvaluateParams,
    RuleStateParams,
    ToolsDecisionParams,
    ToolsFeedbackParams,
    ToolsRunParams,
    ToolsSelectParams,
)

__all__ = [
    "AppendEventParams",
    "ContextAssembleParams",
    "CreateSessionParams",
    "EdgeEndpointParam",
    "FindParams",
    "ListEventsParams",
    "ListSessionsParams",
    "MemoryLayerPreferenceParam",
    "NodeViewParams",
    "PackExportParams",
    "PackImportParams",
    "PlanningContextParams",
    "ReadIdentityParams",
    "RecallOptionsParams",
    "RecallParams",
    "RecallTextParams",
    "RequestOptionsParams",
    "ResolveParams",
    "RuleFeedbackParams",
    "RuleStateParams",
    "RulesEvaluateParams",
    "ScopedParams",
    "SequenceNotStr",
    "ToolsDecisionParams",
    "ToolsFeedbackParams",
    "ToolsRunParams",
    "ToolsSelectParams",
    "WriteEdgeParam",
    "WriteIdentityParams",
    "WriteNodeParam",
    "WriteParams",
]
