"""Reading the package's YAML files (instruments, studies, simulation configs, rule sets) safely and strictly.

PyYAML's ``safe_load`` builds no arbitrary objects, but it still accepts what a declarative spec must not:

- a key given twice in one mapping (the last silently wins: ``reverse: true`` then ``reverse: false``);
- alias "bombs", a few hundred bytes whose anchors expand to millions of nodes when the spec is walked or printed;
- nesting thousands deep, which ends in a ``RecursionError`` inside the composer;
- files of any size.

:func:`read_yaml` refuses each with one line naming the file, the line and what is allowed. PyYAML has no option
for any of these, so the checks sit in a small loader subclass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hsc_analysis.errors import InputError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "read_yaml"]

MAX_BYTES = 5_000_000
"""Largest YAML file read (an instrument of 300 items is about 60 kB)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists."""
MAX_NODES = 500_000
"""Most nodes after aliases are expanded (each use of an anchor counts its whole subtree again)."""


class _SpecError(Exception):
    """A structural limit broken while composing; turned into the caller's error type with the file name."""


class _StrictLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):  # PyYAML's composer recurses once per nesting level
        self._depth += 1
        if self._depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise _SpecError(f"line {mark.line + 1}: nested more than {MAX_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                continue  # unhashable keys are refused by PyYAML itself with its own message
            if key in seen:
                raise _SpecError(
                    f"line {key_node.start_mark.line + 1}: key {str(key)[:60]!r} given twice in one mapping "
                    f"(first on line {seen[key]}); each key may appear once"
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Nodes in ``node``'s tree with every alias expanded, memoised per node so a bomb is measured, not walked."""
    key = id(node)
    if key not in sizes:
        sizes[key] = 0  # a node that contains itself (recursive anchor) counts once
        children = (
            node.value
            if isinstance(node, yaml.SequenceNode)
            else ([part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else [])
        )
        sizes[key] = 1 + sum(_expanded_size(child, sizes) for child in children)
        if sizes[key] > MAX_NODES:
            raise _SpecError(f"expands to more than {MAX_NODES:,} nodes (anchors and aliases used as a bomb?)")
    return sizes[key]


def read_yaml(path: str | Path, *, error: type[InputError], what: str) -> Any:
    """The content of a YAML file, or ``error`` with one line: ``<file>: cannot read the <what> (<reason>)``.

    Examples
    --------
    >>> from hsc_analysis.errors import InstrumentError
    >>> read_yaml("surveys/parent.yaml", error=InstrumentError, what="instrument file")["id"]
    'parent'
    """
    path = Path(path)

    def fail(reason: str) -> InputError:
        return error(f"{path}: cannot read the {what} ({reason})".replace("\n", " "))

    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise fail(f"{size:,} bytes; at most {MAX_BYTES:,} are read")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise fail(str(err)) from None
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node, {})
        return loader.construct_document(node)
    except _SpecError as err:
        raise fail(str(err)) from None
    except yaml.YAMLError as err:
        raise fail(f"not valid YAML: {str(err)[:300]}") from None
    finally:
        loader.dispose()
