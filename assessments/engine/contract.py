"""Fixed vocabulary of the scoping contract (docs: scoping-contract.md sections 1-4, bank-format.md).

These keys and values may only grow; banks and profiles are checked against them.
"""

from __future__ import annotations

ENGINE_VERSION = "1.0.0"

PROFILE_SCHEMA = "socscope.profile/1"
RESULT_SCHEMA = "socscope.result/1"
BANK_SCHEMA = "socscope.bank/1"
SENSITIVITY_SCHEMA = "socscope.sensitivity/1"

UNKNOWN = "unknown"

ORGANIZATION = "organization"
SERVICE = "service"
LEVELS = (ORGANIZATION, SERVICE)

# The keys of a question in a bank document: the first four are required.
QUESTION_REQUIRED_FIELDS = ("key", "label", "type", "position")
QUESTION_FIELDS = (
    *QUESTION_REQUIRED_FIELDS,
    "help_text",
    "reference",
    "required",
    "allow_unknown",
    "min_value",
    "max_value",
    "max_length",
    "condition",
    "choices",
)
QUESTION_TYPES = ("yes_no", "yes_no_unknown", "single", "multi", "number", "date", "text")
CHOICE_TYPES = ("single", "multi")
# "unknown" is a first-class answer only where the contract allows it.
UNKNOWN_CAPABLE_TYPES = ("yes_no", "yes_no_unknown", "number")
DEFAULT_MAX_LENGTH = 5000

FAMILIES = ("soc1", "soc2")
CATEGORIES = ("security", "availability", "processing_integrity", "confidentiality", "privacy")
STRENGTHS = ("not_applicable", "recommended", "required")
EFFECT_TYPES = ("trigger", "strength", "category", "control_objective_area", "cuec", "flag")
REQUIRES = ("triggered", "not_triggered")

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# key -> (level, type, allow_unknown, choice keys the contract guarantees)
CANONICAL_QUESTIONS: dict[str, tuple[str, str, bool, tuple[str, ...]]] = {
    "controls_operating_months": (ORGANIZATION, "number", True, ()),
    "prior_reports": (
        ORGANIZATION,
        "multi",
        False,
        ("soc1_type1", "soc1_type2", "soc2_type1", "soc2_type2", "soc3", "iso27001", "none"),
    ),
    "report_needed_by": (ORGANIZATION, "date", False, ()),
    "customer_requests": (ORGANIZATION, "multi", False, ("soc1", "soc2", "soc3", "type2", "none")),
    "public_report_wanted": (ORGANIZATION, "yes_no", False, ()),
    "client_fye_month": (ORGANIZATION, "single", False, (*MONTHS, "mixed")),
    "clients_sec_registrants": (ORGANIZATION, "yes_no_unknown", True, ()),
    "transaction_classes": (
        SERVICE,
        "multi",
        False,
        (
            "payroll",
            "tax",
            "benefits",
            "claims",
            "payments",
            "billing",
            "payables",
            "general_ledger",
            "loans",
            "investments",
            "custody",
            "none",
        ),
    ),
    "outputs_used_in_financials": (SERVICE, "yes_no_unknown", True, ()),
    "hosts_client_financial_systems": (SERVICE, "yes_no_unknown", True, ()),
    "stores_customer_data": (SERVICE, "yes_no_unknown", True, ()),
    "data_types": (
        SERVICE,
        "multi",
        False,
        ("personal", "health", "cardholder", "confidential_business", "financial", "none"),
    ),
    "availability_commitments": (SERVICE, "yes_no_unknown", True, ()),
    "processing_integrity_commitments": (SERVICE, "yes_no_unknown", True, ()),
    "confidentiality_commitments": (SERVICE, "yes_no_unknown", True, ()),
    "privacy_commitments": (SERVICE, "yes_no_unknown", True, ()),
}

# The organisation answers the report-type and period logic reads in code (contract section 3 allows it).
MONTHS_KEY = "controls_operating_months"
PRIOR_REPORTS_KEY = "prior_reports"
DEADLINE_KEY = "report_needed_by"
REQUESTS_KEY = "customer_requests"
PUBLIC_REPORT_KEY = "public_report_wanted"
FYE_KEY = "client_fye_month"
TYPE_LOGIC_KEYS = (MONTHS_KEY, PRIOR_REPORTS_KEY, DEADLINE_KEY, REQUESTS_KEY, PUBLIC_REPORT_KEY, FYE_KEY)
TYPE2_REQUEST = "type2"

# Leaving the deadline empty is itself an answer ("no deadline"), so it is not reported as missing.
ABSENCE_IS_AN_ANSWER = frozenset({DEADLINE_KEY})

PARAMETERS = (
    "type2_min_months",
    "deadline_horizon_months",
    "period_months_renewal",
    "period_months_established",
    "established_min_months",
    "period_months_first",
    "fye_alignment_months",
    "type1_lead_months",
    "fieldwork_weeks",
    "report_weeks",
)

# Bank rules may not use this prefix: reasons from the engine's own type, period and vendor logic carry it.
ENGINE_RULE_PREFIX = "engine."
