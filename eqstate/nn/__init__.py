"""Modules: frozen equinox pytrees that hold States; dynamical systems and delays."""

from typing import TYPE_CHECKING

from ._module import Module as Module

# Everything else (dynamics and delays too) loads on first use, so
# `import eqstate.nn` stays light.
if TYPE_CHECKING:
    from . import init as init
    from ._activations import (
        celu as celu,
        elu as elu,
        gelu as gelu,
        glu as glu,
        hard_shrink as hard_shrink,
        hard_sigmoid as hard_sigmoid,
        hard_silu as hard_silu,
        hard_swish as hard_swish,
        hard_tanh as hard_tanh,
        leaky_relu as leaky_relu,
        log_sigmoid as log_sigmoid,
        log_softmax as log_softmax,
        logsumexp as logsumexp,
        mish as mish,
        one_hot as one_hot,
        prelu as prelu,
        relu as relu,
        relu6 as relu6,
        rrelu as rrelu,
        selu as selu,
        sigmoid as sigmoid,
        silu as silu,
        soft_shrink as soft_shrink,
        soft_sign as soft_sign,
        softmax as softmax,
        softmin as softmin,
        softplus as softplus,
        sparse_plus as sparse_plus,
        sparse_sigmoid as sparse_sigmoid,
        squareplus as squareplus,
        standardize as standardize,
        swish as swish,
        tanh as tanh,
        tanh_shrink as tanh_shrink,
    )
    from ._batchnorm import (
        BatchNorm0d as BatchNorm0d,
        BatchNorm1d as BatchNorm1d,
        BatchNorm2d as BatchNorm2d,
        BatchNorm3d as BatchNorm3d,
    )
    from ._collective import (
        MAX_ORDER as MAX_ORDER,
        assign_state_values as assign_state_values,
        call_all_fns as call_all_fns,
        call_order as call_order,
        init_all_states as init_all_states,
        reset_all_states as reset_all_states,
        vmap_call_all_fns as vmap_call_all_fns,
        vmap_init_all_states as vmap_init_all_states,
        vmap_reset_all_states as vmap_reset_all_states,
    )
    from ._context import EnvironContext as EnvironContext
    from ._conv import (
        Conv1d as Conv1d,
        Conv2d as Conv2d,
        Conv3d as Conv3d,
    )
    from ._conv_variants import (
        ConvTranspose1d as ConvTranspose1d,
        ConvTranspose2d as ConvTranspose2d,
        ConvTranspose3d as ConvTranspose3d,
        ScaledWSConv1d as ScaledWSConv1d,
        ScaledWSConv2d as ScaledWSConv2d,
        ScaledWSConv3d as ScaledWSConv3d,
    )
    from ._delay import Delay as Delay, DelayAccess as DelayAccess
    from ._delay_state import StateWithDelay as StateWithDelay
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
        not_receive_update_input as not_receive_update_input,
        not_receive_update_output as not_receive_update_output,
        receive_update_input as receive_update_input,
        receive_update_output as receive_update_output,
    )
    from ._elementwise import (
        SELU as SELU,
        ElementWiseBlock as ElementWiseBlock,
        Hardsigmoid as Hardsigmoid,
        Hardswish as Hardswish,
        LogSigmoid as LogSigmoid,
        Mish as Mish,
        ReLU as ReLU,
        Sigmoid as Sigmoid,
        SiLU as SiLU,
        Softplus as Softplus,
        Softsign as Softsign,
        Tanh as Tanh,
        Tanhshrink as Tanhshrink,
    )
    from ._elementwise_hyper import (
        CELU as CELU,
        ELU as ELU,
        GELU as GELU,
        GLU as GLU,
        Hardshrink as Hardshrink,
        Hardtanh as Hardtanh,
        LeakyReLU as LeakyReLU,
        PReLU as PReLU,
        ReLU6 as ReLU6,
        RReLU as RReLU,
        Softshrink as Softshrink,
        SpikeBitwise as SpikeBitwise,
        Threshold as Threshold,
    )
    from ._elementwise_softmax import (
        LogSoftmax as LogSoftmax,
        Softmax as Softmax,
        Softmax2d as Softmax2d,
        Softmin as Softmin,
    )
    from ._embedding import Embedding as Embedding
    from ._exp_euler import exp_euler_step as exp_euler_step
    from ._hidata import HiData as HiData
    from ._interop import (
        UnwrappedEquinoxError as UnwrappedEquinoxError,
        from_equinox as from_equinox,
    )
    from ._interpolation import InterpolationRegistry as InterpolationRegistry
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
    from ._map import Map as Map
    from ._metrics import (
        AccuracyMetric as AccuracyMetric,
        AverageMetric as AverageMetric,
        Metric as Metric,
        MetricState as MetricState,
        MultiMetric as MultiMetric,
        WelfordMetric as WelfordMetric,
    )
    from ._metrics_classification import (
        ConfusionMatrix as ConfusionMatrix,
        F1ScoreMetric as F1ScoreMetric,
        PrecisionMetric as PrecisionMetric,
        RecallMetric as RecallMetric,
    )
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
    from ._param import (
        Const as Const,
        Param as Param,
        clip_grad_norm as clip_grad_norm,
        count_parameters as count_parameters,
    )
    from ._param_compose import (
        AffineT as AffineT,
        ChainT as ChainT,
        MaskedT as MaskedT,
        OrderedT as OrderedT,
        SimplexT as SimplexT,
        UnitVectorT as UnitVectorT,
    )
    from ._param_norms import (
        EntropyReg as EntropyReg,
        MaxNormReg as MaxNormReg,
        OrthogonalReg as OrthogonalReg,
        SpectralNormReg as SpectralNormReg,
    )
    from ._param_priors import (
        CauchyReg as CauchyReg,
        ExponentialReg as ExponentialReg,
        HorseshoeReg as HorseshoeReg,
        LogNormalReg as LogNormalReg,
        LogUniformReg as LogUniformReg,
        SpikeAndSlabReg as SpikeAndSlabReg,
        StudentTReg as StudentTReg,
        UniformReg as UniformReg,
    )
    from ._param_priors_gamma import (
        BetaReg as BetaReg,
        DirichletReg as DirichletReg,
        GammaReg as GammaReg,
        InverseGammaReg as InverseGammaReg,
    )
    from ._param_regs import (
        ChainedReg as ChainedReg,
        ElasticNetReg as ElasticNetReg,
        GaussianReg as GaussianReg,
        GroupLassoReg as GroupLassoReg,
        HuberReg as HuberReg,
        L1Reg as L1Reg,
        L2Reg as L2Reg,
        Regularization as Regularization,
        TotalVariationReg as TotalVariationReg,
    )
    from ._param_transforms import (
        ExpT as ExpT,
        IdentityT as IdentityT,
        LogT as LogT,
        NegativeT as NegativeT,
        NegSoftplusT as NegSoftplusT,
        PositiveT as PositiveT,
        PowerT as PowerT,
        ReluT as ReluT,
        SoftplusT as SoftplusT,
        Transform as Transform,
    )
    from ._param_transforms_bounded import (
        ClipT as ClipT,
        ScaledSigmoidT as ScaledSigmoidT,
        SigmoidT as SigmoidT,
        SoftsignT as SoftsignT,
        TanhT as TanhT,
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
    from ._prefetch import (
        OutputDelayAt as OutputDelayAt,
        Prefetch as Prefetch,
        PrefetchDelay as PrefetchDelay,
        PrefetchDelayAt as PrefetchDelayAt,
        init_maybe_prefetch as init_maybe_prefetch,
    )
    from ._rnn import (
        GRUCell as GRUCell,
        LSTMCell as LSTMCell,
        MGUCell as MGUCell,
        RNNCell as RNNCell,
        URLSTMCell as URLSTMCell,
        ValinaRNNCell as ValinaRNNCell,
    )
    from ._sequential import Sequential as Sequential, Vmap as Vmap
    from ._shape import Flatten as Flatten, Unflatten as Unflatten
else:
    from .._lazy import lazy_attributes

    __getattr__, __dir__ = lazy_attributes(__name__, __file__)
