"""Spike functions: a Heaviside step forward, a surrogate derivative backward."""

from ._base import (
    AbstractSurrogate as AbstractSurrogate,
    Surrogate as Surrogate,
)
from ._derivative_only import (
    InvSquareGrad as InvSquareGrad,
    MultiGaussianGrad as MultiGaussianGrad,
    SlayerGrad as SlayerGrad,
    inv_square_grad as inv_square_grad,
    multi_gaussian_grad as multi_gaussian_grad,
    slayer_grad as slayer_grad,
)
from ._more import (
    S2NN as S2NN,
    LogTailedRelu as LogTailedRelu,
    NonzeroSignLog as NonzeroSignLog,
    PiecewiseExp as PiecewiseExp,
    PiecewiseLeakyRelu as PiecewiseLeakyRelu,
    QPseudoSpike as QPseudoSpike,
    SquarewaveFourierSeries as SquarewaveFourierSeries,
    log_tailed_relu as log_tailed_relu,
    nonzero_sign_log as nonzero_sign_log,
    piecewise_exp as piecewise_exp,
    piecewise_leaky_relu as piecewise_leaky_relu,
    q_pseudo_spike as q_pseudo_spike,
    s2nn as s2nn,
    squarewave_fourier_series as squarewave_fourier_series,
)
from ._surrogate import (
    ERF as ERF,
    Arctan as Arctan,
    GaussianGrad as GaussianGrad,
    LeakyRelu as LeakyRelu,
    PiecewiseQuadratic as PiecewiseQuadratic,
    ReluGrad as ReluGrad,
    Sigmoid as Sigmoid,
    SoftSign as SoftSign,
    arctan as arctan,
    erf as erf,
    gaussian_grad as gaussian_grad,
    leaky_relu as leaky_relu,
    piecewise_quadratic as piecewise_quadratic,
    relu_grad as relu_grad,
    sigmoid as sigmoid,
    soft_sign as soft_sign,
)
