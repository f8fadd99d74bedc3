"""Mixins: computing modes, parameter describers, and type combinations."""

from ._mixin import (
    Batching as Batching,
    JointMode as JointMode,
    JointTypes as JointTypes,
    Mixin as Mixin,
    Mode as Mode,
    OneOfTypes as OneOfTypes,
    ParamDesc as ParamDesc,
    ParamDescriber as ParamDescriber,
    Training as Training,
)
