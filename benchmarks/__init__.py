"""eqstate's benchmark suite: eqstate beside pure JAX, equinox, flax.nnx and brainstate.

Run `python -m benchmarks --help`; see `benchmarks/README.md`.
"""
