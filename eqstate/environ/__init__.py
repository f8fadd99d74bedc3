"""Simulation settings: `set`, `get`, `get_dt`, `context`, `all`."""

from ._environ import (
    EnvironKeyError as EnvironKeyError,
    all_values as all,  # noqa: A001 - brainstate's public name
    context as context,
    get as get,
    get_dt as get_dt,
    set_values as set,  # noqa: A001 - brainstate's public name
)
