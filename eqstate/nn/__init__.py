"""Modules: frozen equinox pytrees that hold States; dynamical systems."""

from ._dynamics import (
    Dynamics as Dynamics,
    exp_euler_step as exp_euler_step,
    init_all_states as init_all_states,
    reset_all_states as reset_all_states,
)
from ._module import Module as Module
