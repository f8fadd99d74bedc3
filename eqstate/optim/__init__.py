"""Optimizers over optax whose state lives in States (braintools' `optim` module)."""

from ._constructors import (
    SGD as SGD,
    Adadelta as Adadelta,
    Adagrad as Adagrad,
    Adam as Adam,
    Adamax as Adamax,
    AdamW as AdamW,
    Lamb as Lamb,
    Lars as Lars,
    Lion as Lion,
    Momentum as Momentum,
    Nadam as Nadam,
    RAdam as RAdam,
    RMSprop as RMSprop,
)
from ._optimizer import (
    OptaxOptimizer as OptaxOptimizer,
    OptimizerError as OptimizerError,
    ParamStates as ParamStates,
)
from ._plateau import ReduceLROnPlateau as ReduceLROnPlateau
from ._schedules import (
    ConstantLR as ConstantLR,
    CosineAnnealingLR as CosineAnnealingLR,
    ExponentialDecayLR as ExponentialDecayLR,
    ExponentialLR as ExponentialLR,
    LearningRate as LearningRate,
    LinearLR as LinearLR,
    LRScheduler as LRScheduler,
    MultiStepLR as MultiStepLR,
    OneCycleLR as OneCycleLR,
    OptimState as OptimState,
    StepLR as StepLR,
    WarmupCosineSchedule as WarmupCosineSchedule,
    as_scheduler as as_scheduler,
)
