"""Checkpoints of States: atomic writes, checked loads (braintools' `file` module)."""

from ._checkpoint import (
    load as load,
    msgpack_load as msgpack_load,
    msgpack_save as msgpack_save,
    save as save,
)
from ._errors import (
    CheckpointCorruptError as CheckpointCorruptError,
    CheckpointError as CheckpointError,
    CheckpointMismatchError as CheckpointMismatchError,
)
