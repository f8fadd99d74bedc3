"""Simulation settings: `set`, `get`, `get_dt`, `context`, `all`."""

from ._environ import (
    EnvironKeyError as EnvironKeyError,
    all_values as all,
    context as context,
    get as get,
    get_dt as get_dt,
    set_values as set,
)

__all__ = ["EnvironKeyError", "all", "context", "get", "get_dt", "set"]
