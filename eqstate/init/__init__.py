"""Initializers (`Constant`, `Normal`, `KaimingNormal`, ...) and `param`."""

from ._init import (
    AbstractInitializer as AbstractInitializer,
    Constant as Constant,
    Normal as Normal,
    TruncatedNormal as TruncatedNormal,
    Uniform as Uniform,
    ZeroInit as ZeroInit,
    param as param,
)
from ._variance_scaling import (
    KaimingNormal as KaimingNormal,
    KaimingUniform as KaimingUniform,
    LecunNormal as LecunNormal,
    Orthogonal as Orthogonal,
    XavierNormal as XavierNormal,
    XavierUniform as XavierUniform,
)
