"""Modules: frozen equinox pytrees that hold States; dynamical systems and delays."""

from ._collective import (
    MAX_ORDER as MAX_ORDER,
    assign_state_values as assign_state_values,
    call_all_fns as call_all_fns,
    call_order as call_order,
    init_all_states as init_all_states,
    reset_all_states as reset_all_states,
    vmap_call_all_fns as vmap_call_all_fns,
    vmap_init_all_states as vmap_init_all_states,
    vmap_reset_all_states as vmap_reset_all_states,
)
from ._context import EnvironContext as EnvironContext
from ._delay import (
    Delay as Delay,
    DelayAccess as DelayAccess,
    StateWithDelay as StateWithDelay,
)
from ._dynamics import (
    Dynamics as Dynamics,
    not_receive_update_input as not_receive_update_input,
    not_receive_update_output as not_receive_update_output,
    receive_update_input as receive_update_input,
    receive_update_output as receive_update_output,
)
from ._exp_euler import exp_euler_step as exp_euler_step
from ._interpolation import InterpolationRegistry as InterpolationRegistry
from ._module import Module as Module
from ._prefetch import (
    OutputDelayAt as OutputDelayAt,
    Prefetch as Prefetch,
    PrefetchDelay as PrefetchDelay,
    PrefetchDelayAt as PrefetchDelayAt,
    init_maybe_prefetch as init_maybe_prefetch,
)
