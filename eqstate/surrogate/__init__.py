"""Spike functions: a Heaviside step forward, a surrogate derivative backward."""

from ._surrogate import (
    ERF as ERF,
    AbstractSurrogate as AbstractSurrogate,
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
