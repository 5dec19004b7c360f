"""socscope's scoping engine: pure Python, no Django.

A question bank (`socscope.bank/1`) and a scoping profile (`socscope.profile/1`) go in; a result
(`socscope.result/1`) comes out, every conclusion with the answers and rules it rests on.
"""

from __future__ import annotations

from .bank import load_bank, validate_bank
from .canonical import bank_checksum, canonical_json
from .contract import ENGINE_VERSION
from .deciding import sensitivity
from .model import Bank, BankError, Profile, ProfileError, Question, Result
from .profile import parse_profile
from .scoping import result_json, scope, visible_questions

__all__ = [
    "ENGINE_VERSION",
    "Bank",
    "BankError",
    "Profile",
    "ProfileError",
    "Question",
    "Result",
    "bank_checksum",
    "canonical_json",
    "load_bank",
    "parse_profile",
    "result_json",
    "scope",
    "sensitivity",
    "validate_bank",
    "visible_questions",
]
