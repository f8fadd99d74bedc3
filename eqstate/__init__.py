"""eqstate: brainstate's stateful programming model, built the equinox way."""

from . import (
    environ as environ,
    graph as graph,
    nn as nn,
    random as random,
    transform as transform,
)
from ._errors import (
    BatchAxisError as BatchAxisError,
    EqstateError as EqstateError,
    StateLeakError as StateLeakError,
    StateWriteError as StateWriteError,
    TraceContextError as TraceContextError,
)
from ._state import (
    BatchState as BatchState,
    HiddenState as HiddenState,
    LongTermState as LongTermState,
    ParamState as ParamState,
    ShortTermState as ShortTermState,
    State as State,
)

__version__ = "0.1.0"
