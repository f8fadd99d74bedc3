"""Record brainstate 0.5.4's outputs for the layer variants `layers_a.npz` does
not cover (the other dimensions of the scaled-WS convolutions, LP and adaptive
pools and padding layers, grouped transposed convolutions) into `layers_c.npz`,
in the same format, plus `weight_standardization` on fixed weights.
`tests/test_layers_golden.py` reads both files. Run with the `bench` extra:

    python tests/golden/record_layers_c.py
"""

import os

import brainstate
import jax.numpy as jnp
import numpy as np
from record_layers_a import record

CASES = [
    # (id, class name, args, kwargs, input shape, input kind)
    ("wsconv1d", "ScaledWSConv1d", [[7, 3], 4, 3], {"b_init": 0.1}, [2, 7, 3], "float"),
    (
        "wsconv3d",
        "ScaledWSConv3d",
        [[4, 4, 3, 2], 3, 2],
        {"ws_gain": False},
        [1, 4, 4, 3, 2],
        "float",
    ),
    (
        "convT2d_groups",
        "ConvTranspose2d",
        [[3, 3, 4], 4, 3],
        {"stride": 2, "groups": 2},
        [2, 3, 3, 4],
        "float",
    ),
    (
        "conv1d_cf",
        "Conv1d",
        [[3, 9], 2, 4],
        {"channel_first": True},
        [2, 3, 9],
        "float",
    ),
    ("lppool1d", "LPPool1d", [2.0, 3], {"stride": 2}, [2, 9, 3], "float"),
    ("lppool3d", "LPPool3d", [1.5, 2], {}, [1, 4, 4, 4, 2], "float"),
    ("adaptivemax1d", "AdaptiveMaxPool1d", [3], {}, [2, 10, 3], "float"),
    ("adaptivemax2d", "AdaptiveMaxPool2d", [[2, 3]], {}, [2, 5, 7, 3], "float"),
    ("adaptiveavg3d", "AdaptiveAvgPool3d", [[2, 3, 2]], {}, [1, 5, 6, 4, 2], "float"),
    ("maxpool1d_idx", "MaxPool1d", [3], {"return_indices": True}, [2, 9, 2], "float"),
    ("zeropad1d", "ZeroPad1d", [[1, 2]], {}, [2, 4, 2], "float"),
    ("zeropad3d", "ZeroPad3d", [1], {}, [1, 2, 2, 2, 2], "float"),
    (
        "constpad2d",
        "ConstantPad2d",
        [[1, 0, 2, 1]],
        {"value": -1.0},
        [2, 3, 3, 2],
        "float",
    ),
    ("constpad3d", "ConstantPad3d", [1], {"value": 0.5}, [1, 2, 2, 2, 2], "float"),
    ("reflectpad1d", "ReflectionPad1d", [[2, 1]], {}, [2, 5, 2], "float"),
    ("reflectpad3d", "ReflectionPad3d", [1], {}, [1, 3, 3, 3, 2], "float"),
    ("replicatepad1d", "ReplicationPad1d", [2], {}, [2, 4, 2], "float"),
    ("replicatepad2d", "ReplicationPad2d", [[1, 2, 0, 1]], {}, [2, 3, 3, 2], "float"),
    ("circularpad2d", "CircularPad2d", [1], {}, [2, 3, 4, 2], "float"),
    (
        "circularpad3d",
        "CircularPad3d",
        [[1, 0, 0, 1, 1, 1]],
        {},
        [1, 3, 3, 3, 2],
        "float",
    ),
]


def main():
    brainstate.random.seed(1)
    rng = np.random.default_rng(1)
    data = record(CASES, rng)
    w = rng.normal(size=(3, 3, 2, 4)).astype(np.float32)
    gain = rng.normal(size=(4,)).astype(np.float32)
    data["ws/w"] = w
    data["ws/gain"] = gain
    data["ws/plain"] = np.asarray(brainstate.nn.weight_standardization(jnp.asarray(w)))
    data["ws/gain_eps"] = np.asarray(
        brainstate.nn.weight_standardization(
            jnp.asarray(w), eps=1e-2, gain=jnp.asarray(gain)
        )
    )
    here = os.path.dirname(os.path.abspath(__file__))
    np.savez_compressed(os.path.join(here, "layers_c.npz"), **data)
    print(f"recorded {len(CASES)} cases")


if __name__ == "__main__":
    main()
