"""eqstate: brainstate's stateful programming model, built the equinox way."""

from typing import TYPE_CHECKING

from . import transform as transform
from ._errors import (
    BatchAxisError as BatchAxisError,
    EqstateError as EqstateError,
    StateLeakError as StateLeakError,
    StateWriteError as StateWriteError,
    TraceContextError as TraceContextError,
)
from ._state import State as State
from ._state_kinds import (
    BatchState as BatchState,
    HiddenState as HiddenState,
    LongTermState as LongTermState,
    ParamState as ParamState,
    ShortTermState as ShortTermState,
)

# The core (States, the errors, the transforms' entry points) loads here;
# everything else (the subpackages, hooks, the other State kinds) on first
# use, so a program pays only for what it touches (DESIGN §4: imports, memory).
if TYPE_CHECKING:
    from . import (
        augment as augment,
        checkpoint as checkpoint,
        distributed as distributed,
        environ as environ,
        filters as filters,
        functional as functional,
        graph as graph,
        init as init,
        mixin as mixin,
        nn as nn,
        optim as optim,
        random as random,
        sharding as sharding,
        surrogate as surrogate,
        typing as typing,
        util as util,
    )
    from ._catch import catch_new_states as catch_new_states
    from ._compat import BrainStateError as BrainStateError
    from ._hook_errors import (
        HookCancellationError as HookCancellationError,
        HookError as HookError,
        HookExecutionError as HookExecutionError,
        HookRegistrationError as HookRegistrationError,
        HookWarning as HookWarning,
    )
    from ._hook_manager import HookManager as HookManager
    from ._hook_types import (
        Hook as Hook,
        HookConfig as HookConfig,
        HookContext as HookContext,
        HookHandle as HookHandle,
        InitHookContext as InitHookContext,
        MutableWriteHookContext as MutableWriteHookContext,
        ReadHookContext as ReadHookContext,
        RestoreHookContext as RestoreHookContext,
        WriteHookContext as WriteHookContext,
    )
    from ._hooks import (
        GlobalHookRegistry as GlobalHookRegistry,
        check_state_value_tree as check_state_value_tree,
        clear_state_hooks as clear_state_hooks,
        has_state_hooks as has_state_hooks,
        list_state_hooks as list_state_hooks,
        register_state_hook as register_state_hook,
        unregister_state_hook as unregister_state_hook,
    )
    from ._state_extra import (
        DelayState as DelayState,
        FakeState as FakeState,
        HiddenGroupState as HiddenGroupState,
        HiddenTreeState as HiddenTreeState,
    )
    from ._treefy import TreefyState as TreefyState, maybe_state as maybe_state
else:
    from ._lazy import lazy_attributes

    __getattr__, __dir__ = lazy_attributes(__name__, __file__)

__version__ = "0.1.0"
