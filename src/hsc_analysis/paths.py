"""Names and output paths that come from users: checked before anything is written.

A dataset name becomes part of a file name, and ``-o`` may point anywhere, so both are checked: a name is a plain
name (no separators, not ``.`` or ``..``, at most 64 characters), an output is never one of the inputs, its folder
exists (or can be made, for an output folder), it is not inside a file, and each part of the path fits the file
system's 255-byte limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from hsc_analysis.errors import InputError

__all__ = ["check_output_file", "check_output_folder", "plain_name"]

_PLAIN = re.compile(r"[\w][\w.-]{0,63}")
_MAX_PART_BYTES = 255


def plain_name(name: object, *, where: str) -> str:
    """``name`` if it can be used as a file name on every system; otherwise an error naming ``where``.

    Examples
    --------
    >>> plain_name("家长卷_2025", where="datasets")
    '家长卷_2025'
    """
    text = str(name)
    if not _PLAIN.fullmatch(text) or set(text) <= {"."}:
        raise InputError(
            f"{where}: {text[:40]!r} is not a plain name; allowed: letters, digits, _, - and . "
            "(at most 64, starting with a letter, digit or _)"
        )
    return text


def _check_parts(path: Path, parameter: str) -> None:
    long = [part for part in path.parts if len(part.encode("utf-8")) > _MAX_PART_BYTES]
    if long:
        raise InputError(f"{parameter}: a part of the path is {len(long[0].encode())} bytes long; at most 255 allowed")


def _check_not_input(path: Path, inputs: Iterable[Path], parameter: str) -> None:
    for source in inputs:
        if path.exists() and Path(source).exists() and path.samefile(source):
            raise InputError(f"{parameter}: {path} is an input file; outputs never overwrite inputs")


def _existing_ancestor(path: Path) -> Path:
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    return parent


def check_output_file(path: Path, *, parameter: str, inputs: Iterable[Path] = ()) -> Path:
    """An output file path that can be written: not an input, not a folder, in an existing folder."""
    _check_parts(path, parameter)
    _check_not_input(path, inputs, parameter)
    if path.is_dir():
        raise InputError(f"{parameter}: {path} is a folder; give a file name such as {path / 'out.csv'}")
    folder = path.absolute().parent
    if not folder.is_dir():
        where = _existing_ancestor(path)
        reason = f"{where} is a file" if where.is_file() else f"the folder {folder} does not exist"
        raise InputError(f"{parameter}: cannot write {path}: {reason}")
    return path


def check_output_folder(path: Path, *, parameter: str, inputs: Iterable[Path] = (), replaced: bool = False) -> Path:
    """An output folder that exists or can be made: not a file, not inside a file; a folder that is ``replaced``
    whole (the report's) holds no input, and in any other none of ``inputs`` is one of its files' names."""
    _check_parts(path, parameter)
    if path.exists() and not path.is_dir():
        raise InputError(f"{parameter}: {path} is a file; give a folder")
    if _existing_ancestor(path / "x").is_file():
        raise InputError(f"{parameter}: cannot make {path}: {_existing_ancestor(path / 'x')} is a file")
    for source in inputs:
        if replaced and path.exists() and Path(source).resolve().is_relative_to(path.resolve()):
            raise InputError(f"{parameter}: {path} holds the input {source}; write the output to another folder")
    return path
