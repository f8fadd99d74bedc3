"""Sharded States: logical axis names, rule tables, specs and sharded init."""

from ._init import (
    PartitionedInit as PartitionedInit,
    names_of as names_of,
    with_partitioning as with_partitioning,
)
from ._rules import (
    Rules as Rules,
    ShardingError as ShardingError,
    current_rules as current_rules,
    logical_to_spec as logical_to_spec,
    rules as rules,
)
from ._specs import shard as shard, shardings as shardings, specs as specs
