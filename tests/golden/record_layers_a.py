"""Record brainstate 0.5.4's outputs for the dense, conv, pooling, padding and
normalization layers into `layers_a.npz`.

Each case names a `brainstate.nn` class, its constructor arguments and an input
shape. The script builds the layer, stores its States (weights drawn by
brainstate), runs it on a fixed input (in training mode, so BatchNorm updates
its running statistics) and stores the output and the States afterwards.
`tests/test_layers_golden.py` rebuilds each layer in eqstate, loads the same
States, and compares. Run with the `bench` extra installed:

    python tests/golden/record_layers_a.py
"""

import json
import os

import brainstate
import jax
import numpy as np

CASES = [
    # (id, class name, args, kwargs, input shape, input kind)
    ("linear", "Linear", [4, 3], {}, [5, 4], "float"),
    ("linear_nobias", "Linear", [4, 3], {"b_init": None}, [2, 4], "float"),
    ("scaledws_linear", "ScaledWSLinear", [4, 3], {}, [5, 4], "float"),
    ("signedw_linear", "SignedWLinear", [4, 3], {}, [5, 4], "float"),
    ("alltoall", "AllToAll", [4, 4], {"include_self": False}, [2, 4], "float"),
    ("onetoone", "OneToOne", [4], {"b_init": 0.5}, [3, 4], "float"),
    ("lora", "LoRA", [4, 2, 3], {}, [5, 4], "float"),
    ("embedding", "Embedding", [10, 3], {}, [2, 4], "index"),
    ("conv1d", "Conv1d", [[8, 3], 4, 3], {"b_init": 0.1}, [2, 8, 3], "float"),
    (
        "conv2d",
        "Conv2d",
        [[6, 6, 3], 4, 3],
        {"stride": 2, "padding": "VALID"},
        [2, 6, 6, 3],
        "float",
    ),
    (
        "conv2d_groups",
        "Conv2d",
        [[5, 5, 4], 4, [3, 2]],
        {"groups": 2, "rhs_dilation": 2},
        [2, 5, 5, 4],
        "float",
    ),
    (
        "conv2d_cf",
        "Conv2d",
        [[3, 5, 5], 2, 3],
        {"channel_first": True, "padding": 1},
        [2, 3, 5, 5],
        "float",
    ),
    ("conv3d", "Conv3d", [[4, 4, 4, 2], 3, 2], {}, [2, 4, 4, 4, 2], "float"),
    ("convT1d", "ConvTranspose1d", [[5, 3], 2, 3], {"stride": 2}, [2, 5, 3], "float"),
    (
        "convT2d",
        "ConvTranspose2d",
        [[4, 4, 3], 2, 3],
        {"stride": 2, "padding": "VALID"},
        [2, 4, 4, 3],
        "float",
    ),
    (
        "convT3d",
        "ConvTranspose3d",
        [[3, 3, 3, 2], 2, 2],
        {"stride": 2},
        [1, 3, 3, 3, 2],
        "float",
    ),
    ("wsconv2d", "ScaledWSConv2d", [[5, 5, 3], 4, 3], {}, [2, 5, 5, 3], "float"),
    ("maxpool1d", "MaxPool1d", [2], {}, [2, 6, 3], "float"),
    (
        "maxpool2d",
        "MaxPool2d",
        [3],
        {"stride": 2, "padding": "SAME"},
        [2, 7, 7, 3],
        "float",
    ),
    (
        "maxpool2d_idx",
        "MaxPool2d",
        [2],
        {"return_indices": True},
        [2, 4, 4, 3],
        "float",
    ),
    ("maxpool3d", "MaxPool3d", [2], {"padding": 1}, [1, 4, 4, 4, 2], "float"),
    ("avgpool1d", "AvgPool1d", [3], {"padding": "SAME"}, [2, 7, 3], "float"),
    ("avgpool2d", "AvgPool2d", [2, 2], {}, [2, 6, 6, 3], "float"),
    (
        "avgpool3d",
        "AvgPool3d",
        [2],
        {"padding": [[1, 0], [0, 1], [1, 1]]},
        [1, 3, 3, 3, 2],
        "float",
    ),
    ("lppool2d", "LPPool2d", [3.0, 2], {}, [2, 6, 6, 3], "float"),
    ("adaptiveavg1d", "AdaptiveAvgPool1d", [4], {}, [2, 11, 3], "float"),
    ("adaptiveavg2d", "AdaptiveAvgPool2d", [[3, 2]], {}, [2, 7, 5, 3], "float"),
    ("adaptivemax3d", "AdaptiveMaxPool3d", [2], {}, [1, 5, 4, 3, 2], "float"),
    ("zeropad2d", "ZeroPad2d", [[1, 2, 0, 1]], {}, [2, 3, 3, 2], "float"),
    ("constpad1d", "ConstantPad1d", [2], {"value": 3.5}, [2, 4, 2], "float"),
    ("reflectpad2d", "ReflectionPad2d", [1], {}, [2, 3, 4, 2], "float"),
    ("replicatepad3d", "ReplicationPad3d", [1], {}, [1, 2, 3, 2, 2], "float"),
    ("circularpad1d", "CircularPad1d", [[2, 1]], {}, [2, 4, 2], "float"),
    ("flatten", "Flatten", [], {"in_size": [3, 4, 2]}, [2, 3, 4, 2], "float"),
    ("unflatten", "Unflatten", [-1, [3, 2]], {}, [2, 6], "float"),
    ("batchnorm0d", "BatchNorm0d", [[5]], {}, [8, 5], "float"),
    ("batchnorm1d", "BatchNorm1d", [[6, 3]], {"momentum": 0.9}, [4, 6, 3], "float"),
    (
        "batchnorm2d",
        "BatchNorm2d",
        [[4, 4, 3]],
        {"use_fast_variance": False},
        [4, 4, 4, 3],
        "float",
    ),
    (
        "batchnorm3d",
        "BatchNorm3d",
        [[2, 3, 2, 3]],
        {"affine": True},
        [3, 2, 3, 2, 3],
        "float",
    ),
    ("layernorm", "LayerNorm", [[6]], {}, [4, 6], "float"),
    (
        "layernorm_2axes",
        "LayerNorm",
        [[3, 4]],
        {"reduction_axes": [-2, -1], "feature_axes": [-2, -1]},
        [2, 3, 4],
        "float",
    ),
    ("rmsnorm", "RMSNorm", [[6]], {}, [4, 6], "float"),
    ("groupnorm", "GroupNorm", [[6]], {"num_groups": 3}, [2, 5, 6], "float"),
]


def _flat(tree):
    leaves = jax.tree_util.tree_flatten_with_path(tree)[0]
    return {jax.tree_util.keystr(p): np.asarray(v) for p, v in leaves}


def _states(layer):
    out = {}
    for path, state in layer.states().items():
        name = "/".join(str(p) for p in path)
        for key, value in _flat(state.value).items():
            out[f"{name}|{key}"] = value
    return out


def record(cases, rng):
    """`{key: array}` for each case: States before, input, output, States after."""
    data = {}
    for cid, cls, args, kwargs, shape, kind in cases:
        layer = getattr(brainstate.nn, cls)(*args, **kwargs)
        if kind == "index":
            x = rng.integers(0, 10, size=shape).astype(np.int32)
        else:
            x = rng.normal(size=shape).astype(np.float32)
        for key, value in _states(layer).items():
            data[f"{cid}/before/{key}"] = value
        with brainstate.environ.context(fit=True):
            y = layer(jax.numpy.asarray(x))
        for key, value in _flat(y).items():
            data[f"{cid}/out/{key}"] = value
        for key, value in _states(layer).items():
            data[f"{cid}/after/{key}"] = value
        data[f"{cid}/input"] = x
    data["cases"] = np.array(json.dumps(cases))
    return data


def main():
    brainstate.random.seed(0)
    data = record(CASES, np.random.default_rng(0))
    here = os.path.dirname(os.path.abspath(__file__))
    np.savez_compressed(os.path.join(here, "layers_a.npz"), **data)
    print(f"recorded {len(CASES)} cases")


if __name__ == "__main__":
    main()
