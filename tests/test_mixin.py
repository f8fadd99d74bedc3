"""`eqstate.mixin`: modes, describers, type combinations."""

import pytest

from eqstate.mixin import (
    Batching,
    JointMode,
    JointTypes,
    Mixin,
    Mode,
    OneOfTypes,
    ParamDesc,
    ParamDescriber,
    Training,
)


class A:
    pass


class B:
    pass


class AB(A, B):
    pass


def test_joint_and_one_of_types():
    ab = JointTypes[A, B]
    assert isinstance(AB(), ab) and not isinstance(A(), ab)
    assert issubclass(AB, ab) and not issubclass(A, ab)
    assert ab == JointTypes(B, A) and hash(ab) == hash(JointTypes[B, A])
    assert repr(ab) == f"JointTypes[{__name__}.A, {__name__}.B]"
    either = OneOfTypes[A, B]
    assert isinstance(B(), either) and not isinstance(1, either)
    assert JointTypes[A, A] is A and OneOfTypes(B) is B
    with pytest.raises(TypeError, match="at least one type"):
        JointTypes()
    with pytest.raises(TypeError, match="instantiate one of its classes"):
        ab()


def test_param_desc_and_describer():
    class Neuron(ParamDesc):
        def __init__(self, n, tau=10.0, w=None):
            self.n, self.tau, self.w = n, tau, w

    d = Neuron.desc(4, tau=2.0, w=[1, 2])
    cell = d.init(tau=3.0)
    assert (cell.n, cell.tau, cell.w) == (4, 3.0, [1, 2])
    assert d.identifier == Neuron.desc(4, tau=2.0, w=[1, 2]).identifier
    hash(d.identifier)
    assert repr(d) == "ParamDescriber(Neuron(4, tau=2.0, w=[1, 2]))"
    assert isinstance(d, ParamDescriber) and issubclass(ParamDesc, Mixin)
    with pytest.raises(TypeError, match="cannot be subclassed"):

        class Sub(ParamDescriber):  # noqa: F841
            pass


def test_modes():
    assert Training() == Training() and Training() != Batching()
    assert Batching(4).is_a(Batching) and not Batching().is_a(Mode)
    assert (
        Batching().has(Mode) and repr(Batching(4, 1)) == "Batching(in_size=4, axis=1)"
    )
    joint = JointMode(Batching(2), Training())
    assert joint.has(Training) and joint.has(Batching) and joint.batch_axis == 0
    assert joint.is_a(JointTypes[Training, Batching]) and not joint.is_a(Training)
    assert repr(joint) == "JointMode(Batching(in_size=2, axis=0), Training)"
    with pytest.raises(AttributeError, match="has 'nope'"):
        _ = joint.nope
