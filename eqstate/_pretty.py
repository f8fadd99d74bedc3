"""The nested repr shared by States and modules (the layout seed 000 prints)."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.core import Tracer

__all__ = ["format_value", "format_block"]


def _aval(x: Any) -> str:
    weak = bool(getattr(x, "weak_type", False))
    shape = ",".join(str(d) for d in x.shape)
    suffix = ", weak_type=True" if weak else ""
    return f"ShapedArray({np.dtype(x.dtype).name}[{shape}]{suffix})"


def format_value(x: Any, indent: int = 0) -> str:
    """Arrays print as their abstract value; modules and States as nested blocks."""
    if hasattr(x, "__eqstate_repr__"):
        return x.__eqstate_repr__(indent)
    if isinstance(x, (jax.Array, np.ndarray)) and not isinstance(x, Tracer):
        return _aval(x)
    if isinstance(x, Tracer):
        return f"Traced<{_aval(x)}>"
    mantissa = getattr(x, "mantissa", None)
    unit = getattr(x, "unit", None)
    if mantissa is not None and unit is not None and hasattr(mantissa, "shape"):
        if getattr(mantissa, "shape", None) == ():
            return repr(x)
        return f"~{_aval(mantissa)[12:-1]} * {unit}"
    return repr(x)


def format_block(name: str, fields: list[tuple[str, Any]], indent: int) -> str:
    """`Name(\\n  a=...,\\n  b=...\\n)` with nested blocks indented by two spaces."""
    if not fields:
        return f"{name}()"
    pad = " " * (indent + 2)
    lines = [f"{pad}{key}={format_value(val, indent + 2)}" for key, val in fields]
    return f"{name}(\n" + ",\n".join(lines) + "\n" + " " * indent + ")"
