"""Optimizers over optax whose state lives in States (braintools' `optim` module)."""

from typing import TYPE_CHECKING

from ._base import Optimizer as Optimizer, OptimizerError as OptimizerError
from ._classic import (
    SGD as SGD,
    Adadelta as Adadelta,
    Adagrad as Adagrad,
    Adam as Adam,
    Adamax as Adamax,
    AdamW as AdamW,
    Momentum as Momentum,
    MomentumNesterov as MomentumNesterov,
    RMSprop as RMSprop,
)
from ._lookahead_lbfgs import LBFGS as LBFGS, Lookahead as Lookahead
from ._more import (
    SM3 as SM3,
    AdaBelief as AdaBelief,
    Adafactor as Adafactor,
    Fromage as Fromage,
    Lamb as Lamb,
    Lars as Lars,
    Lion as Lion,
    Novograd as Novograd,
    Rprop as Rprop,
    Yogi as Yogi,
)
from ._nadam_radam import Nadam as Nadam, RAdam as RAdam
from ._optimizer import OptaxOptimizer as OptaxOptimizer
from ._optimizer_parts import ParamStates as ParamStates
from ._plateau import ReduceLROnPlateau as ReduceLROnPlateau
from ._schedules import (
    ConstantLR as ConstantLR,
    LearningRate as LearningRate,
    LRScheduler as LRScheduler,
    OptimState as OptimState,
    as_scheduler as as_scheduler,
)
from ._schedules_composite import (
    ChainedScheduler as ChainedScheduler,
    CosineAnnealingWarmRestarts as CosineAnnealingWarmRestarts,
    SequentialLR as SequentialLR,
)
from ._schedules_more import (
    CyclicLR as CyclicLR,
    OneCycleLR as OneCycleLR,
    PiecewiseConstantSchedule as PiecewiseConstantSchedule,
    WarmupCosineSchedule as WarmupCosineSchedule,
    WarmupScheduler as WarmupScheduler,
)
from ._schedules_optax import (
    CosineAnnealingLR as CosineAnnealingLR,
    ExponentialDecayLR as ExponentialDecayLR,
    ExponentialLR as ExponentialLR,
    LinearLR as LinearLR,
    MultiStepLR as MultiStepLR,
    PolynomialLR as PolynomialLR,
    StepLR as StepLR,
)
from ._scipy import ScipyOptimizer as ScipyOptimizer
from ._unique import UniqueStateManager as UniqueStateManager

if not TYPE_CHECKING:  # a braintools name left out says what to use instead

    def __getattr__(name):
        from .._left_out import left_out

        return left_out(__name__)(name)
