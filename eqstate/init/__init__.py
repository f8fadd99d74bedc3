"""Initializers (braintools' `braintools.init`), distance profiles and `param`."""

from ._combinators import (
    Clipped as Clipped,
    Compose as Compose,
    Conditional as Conditional,
    DistanceModulated as DistanceModulated,
    Mixture as Mixture,
    Scaled as Scaled,
)
from ._common import InitializationError as InitializationError
from ._distributions import (
    Beta as Beta,
    Exponential as Exponential,
    Gamma as Gamma,
    LogNormal as LogNormal,
    Weibull as Weibull,
)
from ._init import (
    AbstractInitializer as AbstractInitializer,
    Constant as Constant,
    Initialization as Initialization,
    Initializer as Initializer,
    Normal as Normal,
    TruncatedNormal as TruncatedNormal,
    Uniform as Uniform,
    ZeroInit as ZeroInit,
)
from ._orthogonal import (
    DeltaOrthogonal as DeltaOrthogonal,
    Identity as Identity,
    Orthogonal as Orthogonal,
)
from ._param import param as param
from ._profile_base import (
    ApplyProfile as ApplyProfile,
    ClipProfile as ClipProfile,
    ComposedProfile as ComposedProfile,
    DistanceProfile as DistanceProfile,
    PipeProfile as PipeProfile,
)
from ._profiles import (
    BimodalProfile as BimodalProfile,
    DoGProfile as DoGProfile,
    ExponentialProfile as ExponentialProfile,
    GaussianProfile as GaussianProfile,
    LinearProfile as LinearProfile,
    LogisticProfile as LogisticProfile,
    MexicanHatProfile as MexicanHatProfile,
    PowerLawProfile as PowerLawProfile,
    SigmoidProfile as SigmoidProfile,
    StepProfile as StepProfile,
)
from ._variance_scaling import (
    KaimingNormal as KaimingNormal,
    KaimingUniform as KaimingUniform,
    LecunNormal as LecunNormal,
    LecunUniform as LecunUniform,
    VarianceScaling as VarianceScaling,
    XavierNormal as XavierNormal,
    XavierUniform as XavierUniform,
)
