from __future__ import annotations

from assessments.models.accounts import Membership, Organization, User
from assessments.models.audit import AuditEvent
from assessments.models.banks import BankVersion, Choice, Question, QuestionBank, Rule, Section, TscCriterion
from assessments.models.intake import Answer, Assessment, SectionState, Service, SubserviceOrganization
from assessments.models.memos import Memo
from assessments.models.review import Assignment, Comment, Override, Transition

__all__ = [
    "Answer",
    "Assessment",
    "Assignment",
    "AuditEvent",
    "BankVersion",
    "Choice",
    "Comment",
    "Membership",
    "Memo",
    "Organization",
    "Override",
    "Question",
    "QuestionBank",
    "Rule",
    "Section",
    "SectionState",
    "Service",
    "SubserviceOrganization",
    "Transition",
    "TscCriterion",
    "User",
]
