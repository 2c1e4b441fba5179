"""Coded interviews: REFI-QDA projects and coding sheets read, counted by stakeholder role, and coder agreement.

``read_qdpx`` / ``read_coding_sheet`` give a validated, pseudonymised ``CodedInterviews``; ``codebook_table``,
``code_frequencies``, ``code_cooccurrence``, ``coder_agreement`` and ``actor_table`` (who coordinates with whom)
give result objects with ``.to_frame()``; ``joint_display`` sets each theme beside its survey construct's locale
contrasts; ``analyse_interviews`` runs them all for a study's ``interviews:`` section. Segment text is personal data:
no table carries it, except the quotes ``select_quotes`` picks, which a study shows only with ``quotes: true``.
"""

from hsc_analysis.qualitative.actors import ActorTable, actor_table
from hsc_analysis.qualitative.agreement import CoderAgreement, coder_agreement, krippendorff_alpha
from hsc_analysis.qualitative.counts import CodeFrequencies, Cooccurrence, code_cooccurrence, code_frequencies
from hsc_analysis.qualitative.joint import SURVEY_COLUMNS, JointDisplay, joint_display
from hsc_analysis.qualitative.plan import InterviewPlan, InterviewResults, analyse_interviews
from hsc_analysis.qualitative.project import CodedInterviews
from hsc_analysis.qualitative.qdpx import read_qdpx, write_qdpx
from hsc_analysis.qualitative.quotes import Quotes, select_quotes
from hsc_analysis.qualitative.sheet import read_coding_sheet

__all__ = [
    "SURVEY_COLUMNS",
    "ActorTable",
    "CodeFrequencies",
    "CodedInterviews",
    "CoderAgreement",
    "Cooccurrence",
    "InterviewPlan",
    "InterviewResults",
    "JointDisplay",
    "Quotes",
    "actor_table",
    "analyse_interviews",
    "code_cooccurrence",
    "code_frequencies",
    "coder_agreement",
    "joint_display",
    "krippendorff_alpha",
    "read_coding_sheet",
    "read_qdpx",
    "select_quotes",
    "write_qdpx",
]
