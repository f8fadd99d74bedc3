"""The brainstate / braintools names eqstate leaves out on purpose (DESIGN.md
section 6), each with what to use instead.

`LEFT_OUT` is the one list: packages' `__getattr__` (`left_out`) and the
class attributes `left_out_attributes` puts on `State`, `StatefulFunction`
and `OptaxOptimizer` raise `LeftOutError` with its advice, and
`docs/migrating.md` lists the same names (a test checks both). (Class
attributes rather than a `__getattr__`: a class with one pays for it on every
attribute lookup, and a State's are on `jit`'s per-call path.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ._errors import EqstateError

T = TypeVar("T")


class LeftOutError(EqstateError, AttributeError):
    """A brainstate name that eqstate leaves out on purpose (also an AttributeError).

    The message says what to use instead.

    ```python
    import eqstate

    try:
        eqstate.transform.draw
    except AttributeError as e:  # a LeftOutError
        assert "make_jaxpr" in str(e)
    ```
    """


_REWRITE = (
    "eqstate hands its jaxprs to XLA unchanged, and XLA's compiler does this "
    "optimisation itself; to read the program, print "
    "`eqstate.transform.make_jaxpr(fun)(*args)[0]`."
)
_DRAW = (
    "drawing needs graphviz/pydot, which eqstate does not depend on; print "
    "`eqstate.transform.make_jaxpr(fun)(*args)[0]`, or "
    "`eqstate.transform.jit(fun).lower(*args).as_text()` for the compiled program."
)
_MAPPING = (
    "use `eqstate.transform.vmap` (with `in_states` / `out_states` for the States' "
    "axes), `eqstate.transform.vmap_new_states` for States created inside, and "
    "`eqstate.transform.shard_map` across devices."
)
_LEVEL = (
    "brainstate tracks how deep in nested transforms a State was created; eqstate's "
    "transforms find the States a call touches each time, so there is no level to "
    "read or adjust. A State created inside a transform and used after it raises "
    "StateLeakError; `eqstate.catch_new_states` collects the States a call creates."
)
_EVENT = (
    "the event-driven layers need the `brainevent` package, which is not one of "
    "eqstate's dependencies; use eqstate.nn.Linear (dense) with a 0/1 `w_mask` "
    "for fixed sparse connectivity."
)
_EDGES = (
    "eqstate's GraphDef is the model's JAX treedef plus one slot per State leaf "
    "(`GraphDef.treedef`, `GraphDef.slots`), not brainstate's node/edge graph."
)

LEFT_OUT: dict[str, dict[str, str]] = {
    "eqstate": {
        "StateTraceStack": "eqstate keeps no user-visible trace stack; "
        "`eqstate.transform.StateFinder(fun, usage='read' | 'write')(*args)` lists the "
        "States a function reads or writes.",
        "StateDictManager": "`module.states()` returns a `{path: State}` dict "
        "(`eqstate.util.FlattedDict`, with `to_nest`, `filter`, `split`); use it, or "
        "a plain dict.",
        "compile": "it is brainstate's deprecated alias of jit; use "
        "`eqstate.transform.jit`.",
        "check_state_jax_tracer": "eqstate always checks that no tracer leaks out of "
        "a transform, so there is nothing to switch on; drop the `with` block.",
    },
    "eqstate.transform": {
        **dict.fromkeys(
            (
                "algebraic_simplification",
                "common_subexpression_elimination",
                "constant_fold",
                "copy_propagation",
                "dead_code_elimination",
                "optimize_jaxpr",
                "inline_jit",
            ),
            _REWRITE,
        ),
        **dict.fromkeys(
            ("eqns_to_jaxpr", "eqns_to_closed_jaxpr"),
            "eqstate does not edit jaxprs equation by equation; build programs with "
            "`jax.make_jaxpr` or `eqstate.transform.make_jaxpr`.",
        ),
        **dict.fromkeys(
            ("fn_to_python_code", "jaxpr_to_python_code"),
            "print the jaxpr instead: `eqstate.transform.make_jaxpr(fun)(*args)[0]`.",
        ),
        **dict.fromkeys(("draw", "draw_dot_graph", "view_pydot"), _DRAW),
        "register_prim_handler": "eqstate does not interpret jaxprs itself; give a "
        "new primitive its rules through JAX (`jax.extend.core.Primitive`).",
        **dict.fromkeys(
            (
                "StatefulMapping",
                "vmap2",
                "pmap2",
                "vmap2_new_states",
                "pmap2_new_states",
            ),
            _MAPPING,
        ),
        "in_new_state_probe": "eqstate's `vmap_new_states` runs the function once, "
        "with no separate probing pass, so there is nothing to test for.",
    },
    "eqstate.nn": {
        **dict.fromkeys(
            ("EventLinear", "EventFixedProb", "EventFixedNumConn", "FixedNumConn"),
            _EVENT,
        ),
        "SparseLinear": "it needs `brainevent`'s sparse matrices; use "
        "eqstate.nn.Linear with a 0/1 `w_mask`.",
    },
    "eqstate.graph": dict.fromkeys(
        (
            "NodeEdge",
            "NodeSpec",
            "PytreeEdge",
            "StateEdge",
            "StateLeafEdge",
            "StaticEdge",
        ),
        _EDGES,
    ),
    "eqstate.util": {
        "StateJaxTracer": "eqstate always checks that no tracer leaks out of a "
        "transform, so there is nothing to switch on.",
    },
    "eqstate.optim": {
        "NevergradOptimizer": "it needs the `nevergrad` package, which is not one of "
        "eqstate's dependencies; use `eqstate.optim.ScipyOptimizer` for gradient-free "
        "methods such as Nelder-Mead.",
        **dict.fromkeys(
            ("SOFO", "SOFOScan"),
            "braintools' second-order forward-mode training is tied to its internals; "
            "use a first-order optimizer such as `eqstate.optim.Adam`, or "
            "`eqstate.optim.LBFGS`.",
        ),
    },
    # attributes of classes
    "State": dict.fromkeys(
        ("stack_level", "increase_stack_level", "decrease_stack_level"), _LEVEL
    )
    | {
        "check_valid_trace": "eqstate checks every read and write against the "
        "active transform itself (TraceContextError, StateLeakError), so there is "
        "nothing to call.",
    },
    "StatefulFunction": {
        **dict.fromkeys(
            (
                "get_arg_cache_key",
                "get_cache_stats",
                "get_jaxpr_by_cache",
                "get_out_shapes_by_cache",
                "get_out_treedef_by_cache",
                "get_states_by_cache",
                "get_read_states_by_cache",
                "get_write_states_by_cache",
                "get_state_trace_by_cache",
                "validate_states",
                "validate_all_states",
            ),
            "eqstate keeps its cache keys to itself; pass the arguments instead: "
            "`get_jaxpr(*args)`, `get_out_shapes(*args)`, `get_states(*args)` (and "
            "`get_read_states` / `get_write_states`) look the jaxpr up, tracing it "
            "only if these arguments' shapes are new; `clear_cache()` empties it.",
        ),
        "get_state_trace": "eqstate has no StateTraceStack; "
        "`get_states(*args)`, `get_read_states(*args)` and `get_write_states(*args)` "
        "give its lists of States.",
    },
    "OptaxOptimizer": {
        "add_param_group": "eqstate optimizers have one parameter group. For another "
        "learning rate on some weights, give them their own optimizer: "
        "`head_opt = eqstate.optim.Adam(lr=1e-4); "
        "head_opt.register_trainable_weights(model.head.states(eqstate.ParamState))`, "
        "and pass each optimizer the gradients of its own weights.",
    },
}


def left_out(module: str) -> Callable[[str], Any]:
    """A module `__getattr__` raising `LeftOutError` for the names `LEFT_OUT`
    lists under `module` (and a plain AttributeError for any other)."""
    names = LEFT_OUT[module]

    def __getattr__(name: str) -> Any:
        if name in names:
            raise LeftOutError(_message(module, f"{module}.{name}", names[name]))
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


class _LeftOutAttribute:
    """A brainstate attribute eqstate leaves out: reading it, on the class or
    an instance, raises `LeftOutError` with the advice (so `hasattr` is
    False)."""

    def __init__(self, owner: str, name: str, advice: str):
        self.owner, self.name, self.advice = owner, name, advice

    def __get__(self, obj: object, cls: type | None = None) -> Any:
        kind = (type(obj) if cls is None or obj is not None else cls).__name__
        raise LeftOutError(_message(self.owner, f"{kind}.{self.name}", self.advice))


def left_out_attributes(owner: str) -> Callable[[type[T]], type[T]]:
    """A class decorator: the attributes `LEFT_OUT[owner]` lists raise
    `LeftOutError` on the class (whose instances are `owner`'s)."""

    def decorate(cls: type[T]) -> type[T]:
        for name, advice in LEFT_OUT[owner].items():
            setattr(cls, name, _LeftOutAttribute(owner, name, advice))
        return cls

    return decorate


def _message(key: str, what: str, advice: str) -> str:
    origin = (
        "braintools" if key in ("eqstate.optim", "OptaxOptimizer") else "brainstate"
    )
    return f"{what} is part of {origin} but not of eqstate: {advice}"
