"""Every transform x every way a State reaches it x read / write / read-after-write,
on its own and nested one level inside `jit` and inside `vmap`.

Each cell runs the same stateful body twice and compares the output and the
final State values with a hand-threaded pure-JAX reference. The body reads
`a`, writes `b` (write only) and doubles `c` before reading it back
(read-after-write); writes never depend on the mapped input, so they are
valid under `vmap` too.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import transform as T

X = jnp.array([0.5, -1.0, 2.0])
XS = jnp.stack([X, X + 1.0])


class Model(eqstate.nn.Module):
    def __init__(self):
        self.a = eqstate.State(jnp.array([2.0, 3.0, 4.0]))
        self.b = eqstate.State(jnp.zeros(3))
        self.c = eqstate.State(jnp.ones(3))


def body(m: Any, x: jax.Array) -> jax.Array:
    out = x * m.a.value  # read
    m.b.value = m.a.value + 1.0  # write
    m.c.value = m.c.value * 2.0  # read-after-write
    return out + m.c.value


def made(x: jax.Array) -> tuple[jax.Array, eqstate.State]:
    d = eqstate.State(x * 2.0)  # created inside the transform, returned
    d.value = d.value + 1.0
    return x.sum() * 0.0 + x, d


# -- the pure-JAX reference ------------------------------------------------------


def ref_body(v: dict[str, jax.Array], x: jax.Array):
    c = v["c"] * 2.0
    return x * v["a"] + c, {"a": v["a"], "b": v["a"] + 1.0, "c": c}


def reference(tname: str, v: dict[str, jax.Array]):
    if tname in ("jit", "remat", "cond", "switch", "ifelse"):
        return ref_body(v, X)
    if tname == "grad":
        return v["a"], ref_body(v, X)[1]
    if tname == "vector_grad":
        return v["a"], ref_body(v, X)[1]
    if tname == "jacrev":
        return jnp.diag(v["a"]), ref_body(v, X)[1]
    if tname == "vmap":
        _, new = ref_body(v, X)
        return jnp.stack([X * v["a"], XS[1] * v["a"]]) + new["c"], new
    if tname in ("for_loop", "scan", "map"):
        outs = []
        for x in XS:
            out, v = ref_body(v, x)
            outs.append(out)
        return jnp.stack(outs), v
    if tname == "while_loop":
        acc = jnp.zeros(3)
        for _ in range(2):
            out, v = ref_body(v, X)
            acc = acc + out
        return acc, v
    raise AssertionError(tname)


# -- how each transform is called with each way of reaching the States ----------


def _fn_for(reach: str) -> tuple[Callable[..., Any], Callable[[Model], tuple]]:
    """(function of (..., x), the leading arguments for a model)."""
    if reach == "closure":
        holder: dict[str, Model] = {}

        def closure_fn(x):
            return body(holder["m"], x)

        def closure_args(m):
            holder["m"] = m
            return ()

        return closure_fn, closure_args
    if reach == "positional":
        return (
            lambda a, b, c, x: body(types.SimpleNamespace(a=a, b=b, c=c), x),
            lambda m: (m.a, m.b, m.c),
        )
    if reach == "module":
        return body, lambda m: (m,)
    raise AssertionError(reach)


def call(tname: str, reach: str, m: Model) -> Any:
    """Apply transform `tname` with the States reached by `reach`."""
    if reach == "keyword":

        def kw_fn(x, *, a, b, c):
            return body(types.SimpleNamespace(a=a, b=b, c=c), x)

        kw = {"a": m.a, "b": m.b, "c": m.c}
        if tname == "jit":
            return T.jit(kw_fn)(X, **kw)
        if tname == "grad":
            return T.grad(lambda x, **k: kw_fn(x, **k).sum(), argnums=0)(X, **kw)
        if tname == "vector_grad":
            return T.vector_grad(kw_fn, argnums=0)(X, **kw)
        if tname == "jacrev":
            return T.jacrev(kw_fn, argnums=0)(X, **kw)
        raise AssertionError(tname)
    if reach == "operand":  # cond / switch / ifelse operands, loop carries
        if tname == "cond":
            return T.cond(jnp.array(True), body, lambda m, x: x * 0.0, m, X)
        if tname == "switch":
            return T.switch(1, [lambda m, x: x * 0.0, body], m, X)
        if tname == "ifelse":
            return T.ifelse([False, True], [lambda m, x: x * 0.0, body], m, X)
        if tname == "scan":
            carry, ys = T.scan(lambda mm, x: (mm, body(mm, x)), m, XS)
            assert carry.c is m.c  # the carry holds the same States
            return ys
        if tname == "while_loop":

            def wbody(carry):
                i, mm, acc = carry
                return i + 1, mm, acc + body(mm, X)

            i, mm, acc = T.while_loop(lambda c: c[0] < 2, wbody, (0, m, jnp.zeros(3)))
            assert mm.c is m.c
            return acc
        raise AssertionError(tname)
    if reach == "created":
        if tname == "jit":
            return T.jit(made)(X)
        if tname == "vmap":
            return T.vmap(made)(XS)
        if tname == "remat":
            return T.remat(made)(X)
        if tname == "cond":
            return T.cond(jnp.array(True), made, made, X)
        if tname == "for_loop":
            return T.for_loop(made, XS)
        if tname == "grad":
            return T.grad(lambda x: (made(x)[0].sum(), made(x)[1]), has_aux=True)(X)
        raise AssertionError(tname)
    fn, lead = _fn_for(reach)
    args = lead(m)
    n = len(args)
    if tname == "jit":
        return T.jit(fn)(*args, X)
    if tname == "remat":
        return T.remat(fn)(*args, X)
    if tname == "grad":
        return T.grad(lambda *a: fn(*a).sum(), argnums=n)(*args, X)
    if tname == "vector_grad":
        return T.vector_grad(fn, argnums=n)(*args, X)
    if tname == "jacrev":
        return T.jacrev(fn, argnums=n)(*args, X)
    if tname == "vmap":  # leading arguments unbatched: in_axes=None for modules
        return T.vmap(fn, in_axes=(*(None,) * n, 0))(*args, XS)
    if tname == "for_loop":
        return T.for_loop(lambda x: fn(*args, x), XS)
    if tname == "map":
        return T.map(lambda x: fn(*args, x), XS)
    if tname == "scan":
        return T.scan(lambda c, x: (c, fn(*args, x)), None, XS)[1]
    if tname == "while_loop":

        def wbody(carry):
            i, acc = carry
            return i + 1, acc + fn(*args, X)

        return T.while_loop(lambda c: c[0] < 2, wbody, (0, jnp.zeros(3)))[1]
    if tname == "cond":
        return T.cond(jnp.array(True), fn, lambda *a: X * 0.0, *args, X)
    if tname == "switch":
        return T.switch(1, [lambda *a: X * 0.0, fn], *args, X)
    if tname == "ifelse":
        return T.ifelse([False, True], [lambda *a: X * 0.0, fn], *args, X)
    raise AssertionError(tname)


REACHES = {
    "jit": ["closure", "positional", "keyword", "module", "created"],
    "grad": ["closure", "positional", "keyword", "module", "created"],
    "vector_grad": ["closure", "positional", "keyword", "module"],
    "jacrev": ["closure", "positional", "keyword", "module"],
    "vmap": ["closure", "positional", "module", "created"],
    "remat": ["closure", "positional", "module", "created"],
    "for_loop": ["closure", "created"],
    "map": ["closure"],
    "scan": ["closure", "operand"],
    "while_loop": ["closure", "operand"],
    "cond": ["closure", "positional", "operand", "created"],
    "switch": ["closure", "positional", "operand"],
    "ifelse": ["closure", "positional", "operand"],
}
CELLS = [(t, r) for t, reaches in REACHES.items() for r in reaches]


def _nested(nest: str, thunk: Callable[[], Any]) -> Any:
    if nest == "none":
        return thunk()
    if nest == "jit":
        return T.jit(thunk)()
    # inside vmap: two lanes of the same computation; the result is stacked
    out = T.vmap(lambda _: thunk(), axis_size=2)(jnp.zeros(2))
    return jax.tree.map(_first_lane, out, is_leaf=_is_state_out)


def _first_lane(y: Any) -> Any:
    if isinstance(y, eqstate.State):  # a State returned through vmap: batched
        assert y.value.shape[0] == 2
        return eqstate.State(y.value[0])
    return y[0]


def _is_state_out(x: Any) -> bool:
    return isinstance(x, eqstate.State)


def _values(m: Model) -> dict[str, jax.Array]:
    return {"a": m.a.value, "b": m.b.value, "c": m.c.value}


@pytest.mark.parametrize("nest", ["none", "jit", "vmap"])
@pytest.mark.parametrize("tname,reach", CELLS, ids=[f"{t}-{r}" for t, r in CELLS])
def test_cell(tname: str, reach: str, nest: str):
    if reach == "created":
        for _ in range(2):
            out, d = _nested(nest, lambda: call(tname, reach, Model()))
            assert isinstance(d, eqstate.State)
            base = XS if tname in ("vmap", "for_loop") else X
            np.testing.assert_allclose(d.value, base * 2.0 + 1.0, rtol=1e-6)
            if tname not in ("grad",):
                np.testing.assert_allclose(out, base, rtol=1e-6)
        return
    m = Model()
    v = _values(m)
    for _ in range(2):  # a second call reuses whatever was cached
        out = _nested(nest, lambda: call(tname, reach, m))
        want, v = reference(tname, v)
        np.testing.assert_allclose(out, want, rtol=1e-6)
        for k in "abc":
            np.testing.assert_allclose(getattr(m, k).value, v[k], rtol=1e-6)


def test_a_state_written_through_both_an_argument_and_a_closure():
    m = Model()

    def step(mm, x):
        m.c.value = m.c.value + 1.0  # the same State, by closure
        return body(mm, x)

    f = T.jit(step)
    f(m, X)
    f(m, X)
    np.testing.assert_allclose(m.c.value, jnp.full(3, 10.0))
