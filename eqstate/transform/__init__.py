"""State-aware transforms: brainstate's names, one engine underneath."""

from typing import TYPE_CHECKING

# Each transform's module loads on first use (`eqstate.transform.jit` loads
# the engine and `jit` only), so `import eqstate` stays light.
if TYPE_CHECKING:
    from ._autodiff import (
        GradCallError as GradCallError,
        GradientTransform as GradientTransform,
        GradStateError as GradStateError,
    )
    from ._checkpointed import (
        bounded_while_loop as bounded_while_loop,
        checkpointed_for_loop as checkpointed_for_loop,
        checkpointed_scan as checkpointed_scan,
    )
    from ._cond import (
        BranchMismatchError as BranchMismatchError,
        CondPredicateError as CondPredicateError,
        cond as cond,
        ifelse as ifelse,
        switch as switch,
    )
    from ._debug import (
        JitCheckError as JitCheckError,
        all_checks as all_checks,
        automatic_checks as automatic_checks,
        breakpoint_if as breakpoint_if,
        check as check,
        check_error as check_error,
        checkify as checkify,
        debug_nan as debug_nan,
        debug_nan_if as debug_nan_if,
        div_checks as div_checks,
        float_checks as float_checks,
        index_checks as index_checks,
        jit_error_if as jit_error_if,
        nan_checks as nan_checks,
        unvmap as unvmap,
        user_checks as user_checks,
    )
    from ._engine import PlanGrowthError as PlanGrowthError
    from ._grad import (
        fwd_grad as fwd_grad,
        grad as grad,
        hessian as hessian,
        jacfwd as jacfwd,
        jacobian as jacobian,
        jacrev as jacrev,
        vector_grad as vector_grad,
    )
    from ._jit import jit as jit
    from ._loop_checks import (
        LoopLengthError as LoopLengthError,
        MapWriteError as MapWriteError,
    )
    from ._loops import (
        LoopCarryError as LoopCarryError,
        checkpoint as checkpoint,
        for_loop as for_loop,
        map as map,
        remat as remat,
        scan as scan,
        while_loop as while_loop,
    )
    from ._naming import named_call as named_call, named_scope as named_scope
    from ._progress import ProgressBar as ProgressBar
    from ._shard_map import shard_map as shard_map
    from ._stateful_function import StatefulFunction as StatefulFunction
    from ._tracing import (
        StateFinder as StateFinder,
        eval_shape as eval_shape,
        make_jaxpr as make_jaxpr,
    )
    from ._unit_grad import UnitAwareError as UnitAwareError
    from ._vjp import jvp as jvp, vjp as vjp
    from ._vmap import vmap as vmap
    from ._vmap_new import vmap_new_states as vmap_new_states
else:
    from .._lazy import lazy_attributes

    __getattr__, __dir__ = lazy_attributes(__name__, __file__)
