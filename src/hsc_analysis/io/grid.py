"""Raw export files as a grid: the header row(s) as text and the body as cells, whatever the file type.

CSV text is decoded by sniffing a byte-order mark (UTF-8, UTF-16) and otherwise trying strict UTF-8, then GB18030
(the superset of GBK/GB2312 that Chinese Excel writes); the delimiter (``,``, ``;`` or tab) is sniffed from the
header line. Excel ``.xlsx`` is read with calamine (openpyxl when calamine cannot open it), ``.xls`` with xlrd
directly (calamine gives whole numbers there as int where xlrd gives the float BIFF stores) and Parquet with pyarrow.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError

__all__ = ["READABLE", "Grid", "grid_batches", "parquet_batches", "read_grid", "read_xlsx_cells", "sniff_encoding"]

READABLE = (".csv", ".txt", ".xlsx", ".xls", ".parquet", ".sav")
_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DOS_EOF = "\x1a"  # Ctrl-Z, which some Windows tools still append to text files
_SNIFF_BYTES = 1 << 20  # bytes decoded at a time when sniffing the encoding
_HEADER_ROWS = 3  # enough for Qualtrics (3 header rows); platforms say how many they use


@dataclass(frozen=True)
class Grid:
    """The first rows of a file as text (``top``) and a way to read the body below ``n`` header rows.

    ``body(n, text_columns)`` returns the cells below the first ``n`` rows, columns by position (0, 1, ...), index
    = the row number in the file (1-based, the first header row is row 1); columns whose position is in
    ``text_columns`` are read as text, as given (ids, phone numbers and times must not become numbers).
    ``owned``, when set, is a column-major float64 block that backs some of the body's columns and belongs to the
    grid alone: the import may code those columns in place (:attr:`hsc_analysis.io.export.Export.owned`).
    """

    path: Path
    top: list[list[str]]
    body: Callable[[int, Sequence[int]], pd.DataFrame]
    encoding: str | None
    owned: np.ndarray | None = None


def read_grid(path: Path) -> Grid:
    """Open a CSV, Excel or Parquet file as a :class:`Grid`; unreadable or corrupt files raise :class:`DataError`."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        if suffix in (".csv", ".txt"):
            return _csv_grid(path)
        if suffix == ".xlsx":
            return _frame_grid(path, _read_xlsx(path), None)
        if suffix == ".xls":
            return _frame_grid(path, _read_xls(path), None)
        if suffix == ".parquet":
            return _parquet_grid(path)
    except DataError:
        raise
    except pd.errors.ParserError as err:
        raise _unparseable(path, err) from None
    except Exception as err:  # each engine raises its own types for corrupt files
        reason = " ".join(str(err).split())[:200]
        raise DataError(f"{path}: cannot read the file as {suffix[1:]} ({type(err).__name__}: {reason})") from None
    raise DataError(f"{path}: cannot read '{suffix or 'no extension'}' files; use one of {', '.join(READABLE)}")


def sniff_encoding(path: Path) -> str:
    """The text encoding of a file: from its byte-order mark, else UTF-8 if it decodes strictly, else GB18030.
    The file is decoded in pieces (incrementally), so that a file larger than memory can be sniffed."""
    with path.open("rb") as handle:
        start = handle.read(4)
    for bom, encoding in _BOMS:
        if start.startswith(bom):
            return encoding
    if _decodes(path, "utf-8") is None:
        return "utf-8"
    failed = _decodes(path, "gb18030")
    if failed is not None:
        raise DataError(
            f"{path}: not readable as text in UTF-8 or GB18030 (invalid byte at {failed}); "
            "save the file as UTF-8 or GBK CSV"
        )
    return "gb18030"


def _decodes(path: Path, encoding: str) -> int | None:
    """None when the whole file decodes strictly in ``encoding``, else the offset of the first invalid byte."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as handle:
        while True:
            piece = handle.read(_SNIFF_BYTES)
            pending = len(decoder.getstate()[0])  # bytes of a character begun in the previous piece
            try:
                decoder.decode(piece, final=not piece)
            except UnicodeDecodeError as err:
                return offset - pending + err.start
            if not piece:
                return None
            offset += len(piece)


def _csv_grid(path: Path) -> Grid:
    options, top = _csv_options(path)

    def body(n_header: int, text_columns: Sequence[int]) -> pd.DataFrame:
        return next(_csv_frames(path, options, len(top[0]), n_header=n_header, text_columns=text_columns))

    return Grid(path=path, top=top, body=body, encoding=options["encoding"])


def _csv_options(path: Path) -> tuple[dict, list[list[str]]]:
    """The reading options of a CSV file (encoding, sniffed delimiter) and its first rows as text."""
    encoding = sniff_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        first_line = handle.readline()
    if not first_line.strip():
        raise DataError(f"{path}: the file is empty; expected a header row")
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    options = {
        "encoding": encoding,
        "sep": delimiter,
        "header": None,
        "keep_default_na": False,
        "na_values": [""],
        "skip_blank_lines": False,  # an empty line is a row of the file too: no row vanishes, row numbers stay true
    }
    top = pd.read_csv(path, nrows=_HEADER_ROWS, dtype=str, **options).fillna("").to_numpy().tolist()
    return options, top


def _csv_frames(
    path: Path, options: dict, width: int, *, n_header: int, text_columns: Sequence[int], chunksize: int | None = None
) -> Iterator[pd.DataFrame]:
    """The cells below ``n_header`` rows: one frame, or frames of ``chunksize`` rows; index = row in the file."""
    try:
        reader = pd.read_csv(path, skiprows=n_header, dtype=dict.fromkeys(text_columns, str), chunksize=chunksize,
                             **options)  # fmt: skip
        chunks = iter([reader] if chunksize is None else reader)
        cells, start = next(chunks, None), n_header + 1
        while cells is not None:
            following = next(chunks, None)
            if cells.shape[1] < width:  # short rows only: the header's columns are still columns (empty)
                cells = cells.reindex(columns=range(width))
            if following is None and len(cells) and cells.iloc[-1, 0] == _DOS_EOF and cells.iloc[-1, 1:].isna().all():
                cells.iloc[-1, 0] = np.nan  # an old DOS end-of-file mark: a blank last line, not a respondent
            cells.index = pd.RangeIndex(start, start + len(cells), name="source_row")
            yield cells
            cells, start = following, start + len(cells)
    except pd.errors.EmptyDataError:
        yield pd.DataFrame(columns=range(width), index=pd.RangeIndex(n_header + 1, n_header + 1, name="source_row"))
    except pd.errors.ParserError as err:
        raise _unparseable(path, err) from None


def _unparseable(path: Path, err: Exception) -> DataError:
    return DataError(
        f"{path}: cannot read the file as {path.suffix[1:]}: {' '.join(str(err).split())[:200]} — a text answer "
        "with an unquoted comma or line break? Save the export again from the platform"
    )


def _frame_grid(path: Path, cells: pd.DataFrame, encoding: str | None) -> Grid:
    cells = cells.set_axis(range(cells.shape[1]), axis=1).reset_index(drop=True)
    # an Excel TRUE/FALSE is not the code 1/0: keep it as the text Excel shows, so that it is never read as an answer
    cells = cells.apply(lambda column: column.map(_boolean_text) if column.dtype == object else column)
    top = cells.head(_HEADER_ROWS).map(_as_text).to_numpy().tolist()

    def body(n_header: int, text_columns: Sequence[int]) -> pd.DataFrame:
        below = cells.iloc[n_header:].copy()
        for position in text_columns:
            below[position] = below[position].map(_as_text, na_action="ignore")
        below.index = pd.RangeIndex(n_header + 1, n_header + 1 + len(below), name="source_row")
        return below

    return Grid(path=path, top=top, body=body, encoding=encoding)


def _parquet_grid(path: Path) -> Grid:
    """Parquet keeps its column types; the header is the column names and the body starts at row 1."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    schema = file.schema_arrow
    if (schema.pandas_metadata or {}).get("index_columns") or len(set(schema.names)) < len(schema.names):
        # a stored pandas index (or a repeated name) needs the whole table's pandas conversion; split blocks,
        # freeing each Arrow column once converted: the file is not held twice in memory
        table = file.read().to_pandas(split_blocks=True, self_destruct=True)
        return _table_grid(path, table, first_row=1, encoding=None)
    # column by column: the float columns straight into one column-major block (the item codes of a table of
    # answers), the others as pandas converts them; only one column is ever held in Arrow form
    floats = {name: j for j, name in enumerate(n for n in schema.names if pa.types.is_float64(schema.field(n).type))}
    block = np.empty((file.metadata.num_rows, len(floats)), order="F")
    others = {}
    for name in schema.names:
        column = file.read(columns=[name], use_threads=False).column(0)
        if name in floats:
            block[:, floats[name]] = column.to_numpy()
        else:
            others[name] = column.to_pandas()
    table = pd.DataFrame(block, columns=list(floats), copy=False)
    for name, values in others.items():
        table[name] = values.array
    grid = _table_grid(path, table[schema.names], first_row=1, encoding=None)
    return dataclasses.replace(grid, owned=block)


def _table_grid(path: Path, table: pd.DataFrame, *, first_row: int, encoding: str | None) -> Grid:
    """A grid of a table already read (columns named by header, rows from ``first_row`` of the file on)."""
    top = [list(map(str, table.columns))]

    def body(n_header: int, text_columns: Sequence[int]) -> pd.DataFrame:
        cells = table.set_axis(range(table.shape[1]), axis=1)
        cells.index = pd.RangeIndex(first_row, first_row + len(cells), name="source_row")
        return cells

    return Grid(path=path, top=top, body=body, encoding=encoding)


def parquet_batches(path: Path, *, batch_rows: int, columns: Sequence[str] | None = None):
    """The record batches of a Parquet file, in file order, read with ``pre_buffer=False``: a pre-buffering reader
    keeps the bytes of every row group it read until it is closed (apache/arrow#39808), so that its memory grows
    with the compressed file — 2.4 GB for 10⁸ respondents × 36 codes."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(path, pre_buffer=False).iter_batches(batch_size=batch_rows, columns=columns)


def grid_batches(path: Path, *, batch_rows: int, text_headers: Collection[str]) -> Iterator[Grid]:
    """A plain table (Parquet or CSV, one header row) as grids of at most ``batch_rows`` rows each, in file order:
    each grid's header is the file's and its body that batch's rows, numbered as in the file, so that reading the
    batches one by one gives the cells :func:`read_grid` gives, with one batch in memory at a time. CSV columns
    named in ``text_headers`` are read as text (what a plain table's reader asks for)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if suffix == ".parquet":
        import pyarrow as pa

        first_row = 1
        for batch in parquet_batches(path, batch_rows=batch_rows):
            yield _table_grid(path, pa.Table.from_batches([batch]).to_pandas(), first_row=first_row, encoding=None)
            first_row += batch.num_rows
        return
    if suffix not in (".csv", ".txt"):
        raise DataError(f"{path}: only Parquet and CSV files are read in batches; got '{suffix or 'no extension'}'")
    options, top = _csv_options(path)
    text = [i for i, h in enumerate(top[0]) if str(h).strip() in text_headers]
    frames = _csv_frames(path, options, len(top[0]), n_header=1, text_columns=text, chunksize=batch_rows)
    for cells in frames:
        yield _table_grid(path, cells.set_axis(top[0], axis=1), first_row=int(cells.index[0]) if len(cells) else 2,
                          encoding=options["encoding"])  # fmt: skip


def _read_xlsx(path: Path) -> pd.DataFrame:
    """The widest sheet of a workbook (the first of equals), so that an empty or a notes sheet before the data is
    passed over; only empty cells are empty (a typed ``NA`` stays text, as in CSV). Read by calamine (a Rust reader;
    it gives the cells openpyxl gives, the same values of the same types, on every committed export:
    tests/io/test_excel_engines.py), or by openpyxl when calamine cannot open the workbook."""
    options = {"header": None, "dtype": object, "keep_default_na": False, "na_values": []}
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        widths = [book.get_sheet_by_index(i).total_width for i in range(len(book.sheet_names))]
        return pd.read_excel(path, sheet_name=_widest(widths), engine="calamine", **options)
    except Exception:  # calamine's own error types; openpyxl reads the file or raises its own
        import openpyxl

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Workbook contains no default style", category=UserWarning)
            book = openpyxl.load_workbook(path, read_only=True)
            try:
                widths = [sheet.max_column or 0 for sheet in book.worksheets]
            finally:
                book.close()
            return pd.read_excel(path, sheet_name=_widest(widths), engine="openpyxl", **options)


def _widest(widths: list[int]) -> int:
    return widths.index(max(widths)) if widths else 0


def read_xlsx_cells(path: Path, **options) -> pd.DataFrame:
    """``pd.read_excel`` of an .xlsx's first sheet with calamine, falling back to openpyxl (whose error explains)."""
    try:
        return pd.read_excel(path, engine="calamine", **options)
    except Exception:  # calamine's own error types; openpyxl reads the file or raises its own
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Workbook contains no default style", category=UserWarning)
            return pd.read_excel(path, engine="openpyxl", **options)


def _read_xls(path: Path) -> pd.DataFrame:
    """The first sheet of a BIFF .xls (the 2016–2018 问卷星 downloads), cell types kept: dates become datetimes."""
    import xlrd

    book = xlrd.open_workbook(str(path))
    sheet = book.sheet_by_index(0)
    columns = {}
    for c in range(sheet.ncols):
        values = np.array(sheet.col_values(c), dtype=object)
        types = np.array(sheet.col_types(c))
        values[types == xlrd.XL_CELL_EMPTY] = None
        values[types == xlrd.XL_CELL_BLANK] = None
        dates = types == xlrd.XL_CELL_DATE
        if dates.any():
            origin = "1904-01-01" if book.datemode else "1899-12-30"
            values[dates] = pd.to_datetime(values[dates].astype(float), unit="D", origin=origin).to_numpy(dtype=object)
        columns[c] = values
    return pd.DataFrame(columns)


def _boolean_text(value: object) -> object:
    return ("TRUE" if value else "FALSE") if isinstance(value, bool | np.bool_) else value


def _as_text(value: object) -> str:
    """A cell as text: whole numbers without '.0' (Excel stores codes and ids as floats), empty cells as ''."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)
