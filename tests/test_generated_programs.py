"""A fast subset of the generated-program check (`tests/programs.py`).

Each seed builds a random program nesting eqstate transforms over 1-4 States
and compares two calls with the program's hand-threaded pure-JAX twin. The
full run is `python -m tests.programs --n 500`.
"""

import random

import pytest

from . import programs

SEEDS = range(1000, 1024)


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_program_matches_its_pure_twin(seed: int):
    report = programs.check(seed)
    assert report is None, report


def test_the_generator_nests_every_transform():
    seen: set[str] = set()
    depth = 0

    def visit(ops: list[programs.Op], d: int) -> None:
        nonlocal depth
        depth = max(depth, d)
        for op in ops:
            seen.add(op.kind)
            visit(op.children, d + 1)
            visit(op.other, d + 1)

    for seed in SEEDS:
        rng = random.Random(seed)
        visit(programs.generate(rng, rng.randint(1, 4)), 0)
    assert set(programs.TRANSFORMS) <= seen and depth >= 2


def test_a_mismatch_names_its_seed_and_program(monkeypatch: pytest.MonkeyPatch):
    real = programs.run_ref

    def off_by_one(ops, vals, acc):
        vals, acc = real(ops, vals, acc)
        return vals, acc + 1.0

    monkeypatch.setattr(programs, "run_ref", off_by_one)
    report = programs.check(SEEDS[0])
    assert report is not None and report.startswith(f"seed {SEEDS[0]}, call 1:")
