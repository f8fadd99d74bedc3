"""Random numbers from PRNG keys held in States (numpy-style samplers)."""

from ._random import (
    DEFAULT as DEFAULT,
    RandomState as RandomState,
    bernoulli as bernoulli,
    choice as choice,
    default_rng as default_rng,
    get_key as get_key,
    normal as normal,
    permutation as permutation,
    rand as rand,
    randint as randint,
    randn as randn,
    seed as seed,
    set_key as set_key,
    split_key as split_key,
    split_keys as split_keys,
    truncated_normal as truncated_normal,
    uniform as uniform,
)
