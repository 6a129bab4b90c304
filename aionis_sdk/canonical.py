"""Canonical JSON, content hashes and deterministic ids of the Aionis Memory API.

These functions follow §5.5–§5.7 of the API specification byte for byte, so that a client can
predict the ids a server will assign (for example the node id of a ``client_id``) and verify a
commit chain or a pack manifest without trusting the server.

``canon(v)`` writes JSON the way ECMAScript ``JSON.stringify`` does after sorting object keys
by UTF-16 code units: no insignificant whitespace, non-ASCII characters literally, integral
numbers without a fraction and other numbers in their shortest round-trip form.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "canon",
    "commit_hash",
    "edge_id",
    "node_id_for_client_id",
    "scope_key",
    "sha256hex",
    "stable_uuid",
]

DEFAULT_TENANT = "default"


def sha256hex(text: str | bytes) -> str:
    """Lowercase hex SHA-256 of ``text`` (UTF-8 encoded when it is a ``str``)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def _js_number(value: float) -> str:
    """Format a finite float as ECMAScript ``Number.prototype.toString`` does."""
    if not math.isfinite(value):
        raise ValueError(f"canonical JSON cannot encode the number {value!r}")
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    digits = (int_part + frac_part).lstrip("0")
    # n: position of the decimal point relative to the first significant digit.
    leading_zeros = len(int_part + frac_part) - len((int_part + frac_part).lstrip("0"))
    n = len(int_part) - leading_zeros + (int(exp_text) if exp_text else 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        exponent = n - 1
        exp_sign = "+" if exponent >= 0 else "-"
        head = digits[0] + ("." + digits[1:] if k > 1 else "")
        body = f"{head}e{exp_sign}{abs(exponent)}"
    return sign + body


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(str(value) if abs(value) < 2**53 else _js_number(float(value)))
    elif isinstance(value, float):
        out.append(_js_number(value))
    elif isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON object keys must be strings, got {key!r}")
        out.append("{")
        first = True
        for key in sorted(value, key=_utf16_key):
            if not first:
                out.append(",")
            first = False
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"canonical JSON cannot encode {type(value).__name__}")


def canon(value: Any) -> str:
    """Return the canonical JSON text of ``value`` (§5.5)."""
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def stable_uuid(name: str) -> str:
    """The deterministic UUID (version bits 5) that Aionis derives from ``name`` (§5.6)."""
    b = bytearray(hashlib.sha256(("aionis-memory-graph:" + name).encode("utf-8")).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x50
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def scope_key(tenant_id: str, scope: str, default_tenant: str = DEFAULT_TENANT) -> str:
    """The isolation key of a tenant and scope (§4.4)."""
    if tenant_id == default_tenant:
        return scope
    return f"tenant:{tenant_id}::scope:{scope}"


def node_id_for_client_id(
    client_id: str, *, tenant_id: str = DEFAULT_TENANT, scope: str = "default"
) -> str:
    """The node id a server assigns to a node written with ``client_id`` (§5.6)."""
    cid = client_id.strip()
    if not cid:
        raise ValueError("client_id must not be empty")
    return stable_uuid(scope_key(tenant_id, scope) + ":node:" + cid)


def edge_id(key: str, edge_type: str, src: str, dst: str, *, input_key: str) -> str:
    """Derived edge id; ``key`` is the scope_key, ``input_key`` the normalised text or sha."""
    return stable_uuid(f"{key}:edge:{input_key}:{edge_type}:{src}:{dst}")


def commit_hash(fields: Mapping[str, Any]) -> str:
    """``sha256hex(canon(fields))``: the commit hash over the documented hash fields (§5.7)."""
    return sha256hex(canon(fields))
