"""Checkpoints of States: atomic writes, checked loads (braintools' `file` module)."""

from ._async import AsyncManager as AsyncManager
from ._checkpoint import (
    load as load,
    msgpack_load as msgpack_load,
    msgpack_save as msgpack_save,
    save as save,
)
from ._errors import (
    AlreadyExistsError as AlreadyExistsError,
    CheckpointCorruptError as CheckpointCorruptError,
    CheckpointError as CheckpointError,
    CheckpointMismatchError as CheckpointMismatchError,
    InvalidCheckpointPath as InvalidCheckpointPath,
)
from ._matfile import load_matfile as load_matfile, save_matfile as save_matfile
from ._msgpack import (
    msgpack_from_state_dict as msgpack_from_state_dict,
    msgpack_register_serialization as msgpack_register_serialization,
    msgpack_to_state_dict as msgpack_to_state_dict,
)
