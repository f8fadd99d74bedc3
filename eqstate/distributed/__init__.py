"""Multi-host runs and sharded checkpoints."""

from ._checkpoint import (
    restore_sharded as restore_sharded,
    save_sharded as save_sharded,
)
from ._initialize import initialize as initialize
