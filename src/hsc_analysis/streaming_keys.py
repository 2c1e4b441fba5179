"""What the first pass of :func:`hsc_analysis.streaming_screen.stream_screen` keeps of every respondent, and the
whole-file answers it draws from them without ever joining the batches into one array: the duplicate keys' first
occurrences (hash-partitioned) and the exact median time per item (radix selection).

Per respondent: 8 bytes of time per item and, per duplicate key, an 8-byte hash — 24 bytes with the two default keys
(respondent id, answers), 2.4 GB for 10⁸ respondents. A join of the batches, a
whole-file factorisation or a sort would each add as much again or more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hsc_analysis.screening.hurdles import first_occurrences

__all__ = ["KeyChunks", "Repeats", "median_of_chunks", "repeated_values"]

PARTITIONS = 32
"""Hash partitions the duplicate search works through one at a time (the top 5 bits of the hash)."""

_DIGIT = 16
"""Bits of the ordered float keys decided per round of the radix selection."""

_SMALL = 1 << 20
"""A candidate set of at most this many values is selected directly (``np.partition``)."""


@dataclass
class KeyChunks:
    """The 64-bit hashes of one duplicate key, batch by batch: values and the positions in the batch of the rows
    with no value (few: a missing id column value, an empty submission)."""

    values: list[np.ndarray] = field(default_factory=list)
    missing: list[np.ndarray] = field(default_factory=list)

    def append(self, hashed: pd.arrays.IntegerArray) -> None:
        self.values.append(hashed.to_numpy(dtype=np.uint64, na_value=0))
        self.missing.append(np.flatnonzero(hashed.isna()))

    def partitions(self):
        """Per hash partition (ascending), the hashes present in it and their row positions in file order."""
        starts = np.cumsum([0, *map(len, self.values)])
        for p in range(PARTITIONS):
            values, positions = [], []
            for start, hashes, missing in zip(starts, self.values, self.missing, strict=False):
                here = np.flatnonzero((hashes >> np.uint64(64 - 5)) == p)
                here = here[~np.isin(here, missing)] if len(missing) else here
                values.append(hashes[here])
                positions.append(start + here)
            yield np.concatenate(values), np.concatenate(positions)


@dataclass(frozen=True)
class Repeats:
    """Rows that repeat an earlier row, sparsely: their positions (ascending), the position of the first row with
    the same value of the first key they repeat, and that key's number — what
    :func:`hsc_analysis.screening.hurdles.first_occurrences` gives for the concatenated keys, at those rows."""

    positions: np.ndarray
    earlier: np.ndarray
    which: np.ndarray

    @classmethod
    def of(cls, keys: list[KeyChunks]) -> Repeats:
        positions, earlier, which = np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8)
        for k, key in enumerate(keys):
            found, first = [], []
            for hashes, rows in key.partitions():
                local, _ = first_occurrences([pd.array(hashes, dtype="UInt64")])
                hit = local >= 0
                found.append(rows[hit])
                first.append(rows[local[hit]])
            found, first = np.concatenate(found), np.concatenate(first)
            new = ~np.isin(found, positions)  # a row counts for the first key it repeats
            positions = np.concatenate([positions, found[new]])
            earlier = np.concatenate([earlier, first[new]])
            which = np.concatenate([which, np.full(new.sum(), k, dtype=np.int8)])
        order = np.argsort(positions, kind="stable")
        return cls(positions[order], earlier[order], which[order])

    def of_rows(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """``earlier`` and ``which`` of the rows ``start`` to ``stop`` (−1 where a row repeats none)."""
        earlier, which = np.full(stop - start, -1, dtype=np.int64), np.full(stop - start, -1, dtype=np.int8)
        at = slice(*np.searchsorted(self.positions, [start, stop]))
        earlier[self.positions[at] - start] = self.earlier[at]
        which[self.positions[at] - start] = self.which[at]
        return earlier, which


def repeated_values(key: KeyChunks) -> np.ndarray:
    """Positions (ascending) of the rows whose value of ``key`` another row has too (every occurrence)."""
    found = [rows[pd.Series(hashes).duplicated(keep=False).to_numpy()] for hashes, rows in key.partitions()]
    return np.sort(np.concatenate(found))


def median_of_chunks(chunks: list[np.ndarray]) -> float:
    """The median of the values known (not NaN) in all chunks together — the number ``np.median`` gives on their
    concatenation — found by radix selection over the chunks, so that no chunk is copied whole; NaN when no value
    is known.

    Notes
    -----
    Floats map to unsigned integers of the same order (the sign bit set for non-negative numbers, every bit flipped
    for negative ones); the k-th smallest value is then found 16 bits at a time, each round a histogram of the next
    16 bits among the values that share the bits decided so far, until at most 2²⁰ candidates remain.
    """
    n = sum(int((~np.isnan(c)).sum()) for c in chunks)
    if n == 0:
        return np.nan
    middle = [_kth(chunks, k) for k in sorted({(n - 1) // 2, n // 2})]
    return float(np.mean(middle))


def _ordered(values: np.ndarray) -> np.ndarray:
    bits = values[~np.isnan(values)].view(np.uint64)
    negative = (bits >> np.uint64(63)).astype(bool)
    return np.where(negative, ~bits, bits | np.uint64(1 << 63))


def _kth(chunks: list[np.ndarray], k: int) -> float:
    """The k-th smallest (from 0) known value of the chunks."""
    prefix, decided = np.uint64(0), 0
    while True:
        shift = np.uint64(64 - decided - _DIGIT)
        counts = np.zeros(1 << _DIGIT, dtype=np.int64)
        for chunk in chunks:
            keys = _candidates(_ordered(chunk), prefix, decided)
            counts += np.bincount(((keys >> shift) & np.uint64((1 << _DIGIT) - 1)).astype(np.int64),
                                  minlength=1 << _DIGIT)  # fmt: skip
        below = np.cumsum(counts)
        digit = int(np.searchsorted(below, k, side="right"))
        k -= int(below[digit - 1]) if digit else 0
        prefix, decided = (prefix << np.uint64(_DIGIT)) | np.uint64(digit), decided + _DIGIT
        if counts[digit] <= _SMALL or decided == 64:
            keys = np.concatenate([_candidates(_ordered(chunk), prefix, decided) for chunk in chunks])
            key = np.partition(keys, k)[k]
            bits = key & ~np.uint64(1 << 63) if key >> np.uint64(63) else ~key
            return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


def _candidates(keys: np.ndarray, prefix: np.uint64, decided: int) -> np.ndarray:
    """The keys whose top ``decided`` bits are ``prefix``."""
    return keys if decided == 0 else keys[(keys >> np.uint64(64 - decided)) == prefix]
