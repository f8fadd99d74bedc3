"""Utilities: the filter language, State dicts, frozen/dot dicts, pretty reprs, caches.

brainstate's `brainstate.util`. `StateJaxTracer` is left out (eqstate always
checks for leaked tracers).
"""

from typing import TYPE_CHECKING

from .._filters import (
    All as All,
    Any as Any,
    Everything as Everything,
    Not as Not,
    Nothing as Nothing,
    OfType as OfType,
    PathContains as PathContains,
    WithTag as WithTag,
    to_predicate as to_predicate,
)
from ._cache import BoundedCache as BoundedCache
from ._dataclass import (
    PyTreeNode as PyTreeNode,
    dataclass as dataclass,
    field as field,
    is_dataclass as is_dataclass,
)
from ._dicts import (
    FlattedDict as FlattedDict,
    NestedDict as NestedDict,
    PrettyDict as PrettyDict,
    flat_mapping as flat_mapping,
    nest_mapping as nest_mapping,
)
from ._others import (
    DictManager as DictManager,
    clear_buffer_memory as clear_buffer_memory,
    flatten_dict as flatten_dict,
    get_unique_name as get_unique_name,
    is_instance_eval as is_instance_eval,
    merge_dicts as merge_dicts,
    not_instance_eval as not_instance_eval,
    split_total as split_total,
    unflatten_dict as unflatten_dict,
)
from ._pretty import (
    MappingReprMixin as MappingReprMixin,
    PrettyAttr as PrettyAttr,
    PrettyList as PrettyList,
    PrettyMapping as PrettyMapping,
    PrettyObject as PrettyObject,
    PrettyRepr as PrettyRepr,
    PrettyType as PrettyType,
    yield_unique_pretty_repr_items as yield_unique_pretty_repr_items,
)
from ._struct import (
    DotDict as DotDict,
    FrozenDict as FrozenDict,
    copy as copy,
    freeze as freeze,
    pop as pop,
    pretty_repr as pretty_repr,
    unfreeze as unfreeze,
)

if TYPE_CHECKING:
    from ..transform._debug import breakpoint_if as breakpoint_if
else:  # transform's `breakpoint_if` loads on first use; a brainstate name
    # left out says what to use instead
    from .._lazy import lazy_attributes

    __getattr__, __dir__ = lazy_attributes(__name__, __file__)
