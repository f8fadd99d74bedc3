"""brainstate's `brainstate.nn.init`: initializers with brainstate's arguments and draws."""

from ._base import (
    Initializer as Initializer,
    calculate_init_gain as calculate_init_gain,
    param as param,
)
from ._basic import (
    Constant as Constant,
    Exponential as Exponential,
    Gamma as Gamma,
    Identity as Identity,
    Normal as Normal,
    TruncatedNormal as TruncatedNormal,
    Uniform as Uniform,
    ZeroInit as ZeroInit,
)
from ._scaling import (
    DeltaOrthogonal as DeltaOrthogonal,
    KaimingNormal as KaimingNormal,
    KaimingUniform as KaimingUniform,
    LecunNormal as LecunNormal,
    LecunUniform as LecunUniform,
    Orthogonal as Orthogonal,
    VarianceScaling as VarianceScaling,
    XavierNormal as XavierNormal,
    XavierUniform as XavierUniform,
)
