"""Coded interviews: REFI-QDA projects and coding sheets read, counted by stakeholder role, and coder agreement.

``read_qdpx`` / ``read_coding_sheet`` give a validated, pseudonymised ``CodedInterviews``; ``codebook_table``,
``code_frequencies``, ``code_cooccurrence`` and ``coder_agreement`` give result objects with ``.to_frame()``.
Segment text is personal data: no table carries it.
"""

from hsc_analysis.qualitative.agreement import CoderAgreement, coder_agreement, krippendorff_alpha
from hsc_analysis.qualitative.counts import CodeFrequencies, Cooccurrence, code_cooccurrence, code_frequencies
from hsc_analysis.qualitative.project import CodedInterviews
from hsc_analysis.qualitative.qdpx import read_qdpx, write_qdpx
from hsc_analysis.qualitative.sheet import read_coding_sheet

__all__ = [
    "CodeFrequencies",
    "CodedInterviews",
    "CoderAgreement",
    "Cooccurrence",
    "code_cooccurrence",
    "code_frequencies",
    "coder_agreement",
    "krippendorff_alpha",
    "read_coding_sheet",
    "read_qdpx",
    "write_qdpx",
]
