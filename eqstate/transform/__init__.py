"""State-aware transforms: brainstate's names, one engine underneath."""

from ._autodiff import (
    GradientTransform as GradientTransform,
    fwd_grad as fwd_grad,
    grad as grad,
    hessian as hessian,
    jacfwd as jacfwd,
    jacobian as jacobian,
    jacrev as jacrev,
    vector_grad as vector_grad,
)
from ._checkpointed import (
    bounded_while_loop as bounded_while_loop,
    checkpointed_for_loop as checkpointed_for_loop,
    checkpointed_scan as checkpointed_scan,
)
from ._cond import (
    BranchMismatchError as BranchMismatchError,
    cond as cond,
    ifelse as ifelse,
    switch as switch,
)
from ._engine import PlanGrowthError as PlanGrowthError
from ._jit import jit as jit
from ._loops import (
    LoopCarryError as LoopCarryError,
    checkpoint as checkpoint,
    for_loop as for_loop,
    map as map,
    remat as remat,
    scan as scan,
    while_loop as while_loop,
)
from ._progress import ProgressBar as ProgressBar
from ._tracing import (
    StateFinder as StateFinder,
    eval_shape as eval_shape,
    make_jaxpr as make_jaxpr,
)
from ._vjp import jvp as jvp, vjp as vjp
from ._vmap import vmap as vmap
