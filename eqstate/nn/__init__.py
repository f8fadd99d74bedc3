"""Modules: frozen equinox pytrees that hold States; dynamical systems."""

from ._batchnorm import (
    BatchNorm0d as BatchNorm0d,
    BatchNorm1d as BatchNorm1d,
    BatchNorm2d as BatchNorm2d,
    BatchNorm3d as BatchNorm3d,
)
from ._conv import (
    Conv1d as Conv1d,
    Conv2d as Conv2d,
    Conv3d as Conv3d,
    ConvTranspose1d as ConvTranspose1d,
    ConvTranspose2d as ConvTranspose2d,
    ConvTranspose3d as ConvTranspose3d,
    ScaledWSConv1d as ScaledWSConv1d,
    ScaledWSConv2d as ScaledWSConv2d,
    ScaledWSConv3d as ScaledWSConv3d,
)
from ._dropout import (
    AlphaDropout as AlphaDropout,
    Dropout as Dropout,
    Dropout1d as Dropout1d,
    Dropout2d as Dropout2d,
    Dropout3d as Dropout3d,
    DropoutFixed as DropoutFixed,
    FeatureAlphaDropout as FeatureAlphaDropout,
)
from ._dynamics import (
    Dynamics as Dynamics,
    exp_euler_step as exp_euler_step,
    init_all_states as init_all_states,
    reset_all_states as reset_all_states,
)
from ._embedding import Embedding as Embedding
from ._layer_common import LayerError as LayerError
from ._linear import (
    AllToAll as AllToAll,
    Identity as Identity,
    Linear as Linear,
    LoRA as LoRA,
    OneToOne as OneToOne,
    ScaledWSLinear as ScaledWSLinear,
    SignedWLinear as SignedWLinear,
)
from ._module import Module as Module
from ._normalization import (
    GroupNorm as GroupNorm,
    LayerNorm as LayerNorm,
    RMSNorm as RMSNorm,
    weight_standardization as weight_standardization,
)
from ._padding import (
    CircularPad1d as CircularPad1d,
    CircularPad2d as CircularPad2d,
    CircularPad3d as CircularPad3d,
    ConstantPad1d as ConstantPad1d,
    ConstantPad2d as ConstantPad2d,
    ConstantPad3d as ConstantPad3d,
    ReflectionPad1d as ReflectionPad1d,
    ReflectionPad2d as ReflectionPad2d,
    ReflectionPad3d as ReflectionPad3d,
    ReplicationPad1d as ReplicationPad1d,
    ReplicationPad2d as ReplicationPad2d,
    ReplicationPad3d as ReplicationPad3d,
    ZeroPad1d as ZeroPad1d,
    ZeroPad2d as ZeroPad2d,
    ZeroPad3d as ZeroPad3d,
)
from ._pooling import (
    AvgPool1d as AvgPool1d,
    AvgPool2d as AvgPool2d,
    AvgPool3d as AvgPool3d,
    LPPool1d as LPPool1d,
    LPPool2d as LPPool2d,
    LPPool3d as LPPool3d,
    MaxPool1d as MaxPool1d,
    MaxPool2d as MaxPool2d,
    MaxPool3d as MaxPool3d,
)
from ._pooling_adaptive import (
    AdaptiveAvgPool1d as AdaptiveAvgPool1d,
    AdaptiveAvgPool2d as AdaptiveAvgPool2d,
    AdaptiveAvgPool3d as AdaptiveAvgPool3d,
    AdaptiveMaxPool1d as AdaptiveMaxPool1d,
    AdaptiveMaxPool2d as AdaptiveMaxPool2d,
    AdaptiveMaxPool3d as AdaptiveMaxPool3d,
    MaxUnpool1d as MaxUnpool1d,
    MaxUnpool2d as MaxUnpool2d,
    MaxUnpool3d as MaxUnpool3d,
)
from ._shape import Flatten as Flatten, Unflatten as Unflatten
