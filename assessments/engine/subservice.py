"""Subservice organizations: excluded, inclusive or carve-out, with the CSOCs a carve-out assumes.

This reads the profile's vendor records, not questions, so it lives in code (contract section 3).
"""

from __future__ import annotations

from .contract import UNKNOWN
from .model import Flag, Reason, SubserviceOrganization, SubserviceResult

_NO_SERVICE_TEXT = "the services it provides"


def plan_subservices(
    subservices: tuple[SubserviceOrganization, ...], templates: tuple[str, ...]
) -> tuple[tuple[SubserviceResult, ...], tuple[Flag, ...]]:
    results: list[SubserviceResult] = []
    flags: list[Flag] = []
    for sub in subservices:
        flags.extend(_unknown_flags(sub))
        if sub.controls_required is False:
            reason = _reason(
                sub,
                "controls_required",
                "engine.subservice.excluded",
                f"{sub.name}'s controls are not needed for the control objectives or service commitments: it is "
                "a vendor outside the system and is left out of the description.",
            )
            results.append(SubserviceResult(sub.name, sub.service, sub.services, "excluded", (reason,), ()))
            continue
        required = _required_reason(sub)
        if sub.will_participate is True and sub.has_soc_report is False:
            reasons = (
                required,
                _reason(
                    sub,
                    "will_participate",
                    "engine.subservice.inclusive",
                    f"{sub.name} will take part in the examination, so its controls are described and tested.",
                ),
                _reason(
                    sub,
                    "has_soc_report",
                    "engine.subservice.inclusive",
                    f"{sub.name} has no SOC report of its own to rely on.",
                ),
            )
            results.append(SubserviceResult(sub.name, sub.service, sub.services, "inclusive", reasons, ()))
            continue
        results.append(_carve_out(sub, required, templates))
        if sub.has_soc_report is not True:
            known = "has no SOC report" if sub.has_soc_report is False else "may have no SOC report"
            flags.append(
                Flag(
                    "subservice_without_report",
                    None,
                    None,
                    f"{sub.name} is carved out but {known} of its own: the controls assumed of it (CSOCs) "
                    "are not covered by any report, so obtain one or monitor it directly.",
                )
            )
    return tuple(results), tuple(flags)


def _carve_out(sub: SubserviceOrganization, required: Reason, templates: tuple[str, ...]) -> SubserviceResult:
    reasons = [required]
    if sub.has_soc_report is True:
        reasons.append(
            _reason(
                sub,
                "has_soc_report",
                "engine.subservice.carve_out",
                f"{sub.name} has its own SOC report, which user entities can rely on for its controls.",
            )
        )
    if sub.will_participate is not True:
        participation = {
            False: f"{sub.name} will not take part in the examination.",
            UNKNOWN: f"Whether {sub.name} will take part in the examination is not known.",
            None: f"Whether {sub.name} will take part in the examination was not answered.",
        }[sub.will_participate]
        reasons.append(_reason(sub, "will_participate", "engine.subservice.carve_out", participation))
    if len(reasons) == 1:
        reasons.append(
            _reason(
                sub,
                "has_soc_report",
                "engine.subservice.carve_out",
                f"Whether {sub.name} has a SOC report of its own is not settled, so it is carved out.",
            )
        )
    service = sub.service or _NO_SERVICE_TEXT
    csocs = tuple(template.format(name=sub.name, service=service) for template in templates)
    return SubserviceResult(sub.name, sub.service, sub.services, "carve_out", tuple(reasons), csocs)


def _required_reason(sub: SubserviceOrganization) -> Reason:
    effect = {
        True: f"{sub.name}'s controls are needed for the control objectives or service commitments.",
        UNKNOWN: f"Whether {sub.name}'s controls are needed is not known; they are assumed to be (more scope).",
        None: f"Whether {sub.name}'s controls are needed was not answered; they are assumed to be (more scope).",
    }[sub.controls_required]
    return _reason(sub, "controls_required", "engine.subservice.controls_required", effect)


def _reason(sub: SubserviceOrganization, field: str, rule: str, effect: str) -> Reason:
    return Reason(field, None, getattr(sub, field), rule, effect)


def _unknown_flags(sub: SubserviceOrganization) -> list[Flag]:
    wording = {
        "has_soc_report": "it has a SOC report of its own",
        "controls_required": "its controls are needed",
        "will_participate": "it will take part in the examination",
    }
    return [
        Flag("unknown_answer", None, None, f"{sub.name}: whether {text} is not known ({field}).")
        for field, text in wording.items()
        if getattr(sub, field) == UNKNOWN
    ]
