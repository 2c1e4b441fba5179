"""What the streamed screening's first pass draws from the batches without joining them equals the answer on the
joined arrays: the median (numpy), the duplicates' first occurrences and the repeated ids (pandas)."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.screening.hurdles import first_occurrences
from hsc_analysis.streaming_keys import KeyChunks, Repeats, median_of_chunks, repeated_values

floats = st.one_of(st.floats(allow_nan=True, allow_infinity=False, width=64), st.sampled_from([0.0, -0.0, 2.5, -1.0]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(floats, max_size=30), min_size=1, max_size=5))
def test_median_of_chunks_is_numpys_median_of_their_concatenation(chunks):
    arrays = [np.array(c, dtype=float) for c in chunks]
    joined = np.concatenate(arrays)
    known = joined[~np.isnan(joined)]
    got = median_of_chunks(arrays)
    if len(known) == 0:
        assert np.isnan(got)
    else:
        assert got == np.median(known)


def test_median_of_chunks_narrows_many_equal_values_to_the_exact_one():
    chunks = [np.full(700_000, 6.1), np.r_[np.full(600_000, 6.1), np.nextafter(6.1, 7), np.nan], np.array([6.0] * 3)]
    assert median_of_chunks(chunks) == np.median(np.concatenate(chunks)[:-4]) == 6.1


def _hashes(values: list[int | None]) -> pd.arrays.IntegerArray:
    return pd.array([None if v is None else (v * 0x9E3779B97F4A7C15) % 2**64 for v in values], dtype="UInt64")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 6)), st.one_of(st.none(), st.integers(0, 6))),
                min_size=1, max_size=60), st.integers(1, 7))  # fmt: skip
def test_repeats_and_repeated_ids_equal_those_of_the_joined_keys(rows, batch):
    keys = [_hashes([r[0] for r in rows]), _hashes([r[1] for r in rows])]
    chunks = [KeyChunks(), KeyChunks()]
    for start in range(0, len(rows), batch):
        for chunk, key in zip(chunks, keys, strict=True):
            chunk.append(key[start : start + batch])
    earlier, which = first_occurrences(keys)
    repeats = Repeats.of(chunks)
    got_earlier, got_which = repeats.of_rows(0, len(rows))
    np.testing.assert_array_equal(got_earlier, earlier)
    np.testing.assert_array_equal(got_which, which)
    part_earlier, part_which = repeats.of_rows(1, len(rows))
    np.testing.assert_array_equal(part_earlier, earlier[1:])
    np.testing.assert_array_equal(part_which, which[1:])
    repeated = pd.Series(keys[0]).duplicated(keep=False).to_numpy() & ~pd.isna(keys[0])
    np.testing.assert_array_equal(repeated_values(chunks[0]), np.flatnonzero(repeated))
