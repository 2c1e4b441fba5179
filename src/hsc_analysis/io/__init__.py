"""Reading and writing data files; every path is an argument, nothing is read at import."""

from hsc_analysis.io.responses import read_responses
from hsc_analysis.io.tables import read_table, write_table

__all__ = ["read_responses", "read_table", "write_table"]
