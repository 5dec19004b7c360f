"""Auditor overrides over a `socscope.result/1` document: which conclusions can be overridden, and how.

Pure Python over the result dict (no database), so the review pages and the memo show exactly the same thing:
`result_with_overrides(result, overrides)` is the one function that applies them.

Target paths (dots separate parts; a subservice organization's name may itself contain dots):
- `services.<key>.soc1.strength`, `services.<key>.soc2.strength`: required / recommended / not_applicable
- `services.<key>.soc2.categories.<category>`: true (included) or false (left out)
- `reports.<report>.type`: type1 / type2
- `reports.<report>.period`: {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"} (Type 2 reports)
- `reports.<report>.as_of`: "YYYY-MM-DD" (Type 1 reports)
- `subservice_organizations.<name>.method`: inclusive / carve_out / excluded
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CATEGORIES = ("security", "availability", "processing_integrity", "confidentiality", "privacy")
REPORTS = ("soc1", "soc2", "soc3")
FAMILIES = ("soc1", "soc2")

STRENGTH_LABELS = {"required": "Required", "recommended": "Recommended", "not_applicable": "Not applicable"}
TYPE_LABELS = {"type1": "Type 1", "type2": "Type 2"}
METHOD_LABELS = {
    "inclusive": "Inclusive",
    "carve_out": "Carve-out",
    "excluded": "Excluded (not a subservice organization)",
}
CATEGORY_LABELS = {
    "security": "Security",
    "availability": "Availability",
    "processing_integrity": "Processing integrity",
    "confidentiality": "Confidentiality",
    "privacy": "Privacy",
}
FAMILY_LABELS = {"soc1": "SOC 1", "soc2": "SOC 2", "soc3": "SOC 3"}
INCLUDED_LABELS = {True: "Included", False: "Not included"}

# Applied in this order: strengths decide which reports exist, categories feed report categories, a report's type
# decides whether a period or an as-of date applies.
KIND_ORDER = ("strength", "category", "type", "period", "as_of", "method")


class OverrideError(ValueError):
    """A target that does not exist in the result, or a value that does not fit it."""


@dataclass(frozen=True)
class OverrideTarget:
    """One conclusion the auditor may override, with the engine's value and the value shown now."""

    path: str
    kind: str
    label: str
    engine_value: Any
    current_value: Any
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def engine_display(self) -> str:
        return value_display(self.kind, self.engine_value)

    @property
    def current_display(self) -> str:
        return value_display(self.kind, self.current_value)


def _date(text: Any) -> dt.date | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def value_display(kind: str, value: Any) -> str:
    """A value as a person reads it: `Required`, `Type 2`, `2027-01-01 to 2027-06-30`, `Carve-out`."""
    if value is None:
        return {"type": "no report", "period": "no period", "as_of": "no date", "method": "not listed"}.get(
            kind, "none"
        )
    if kind == "strength":
        return STRENGTH_LABELS.get(value, str(value))
    if kind == "category":
        return INCLUDED_LABELS.get(bool(value), str(value))
    if kind == "type":
        return TYPE_LABELS.get(value, str(value))
    if kind == "period" and isinstance(value, Mapping):
        return f"{value.get('start')} to {value.get('end')}"
    if kind == "method":
        return METHOD_LABELS.get(value, str(value))
    return str(value)


def override_sentence(*, label: str, kind: str, engine_value: Any, value: Any, reason: str) -> str:
    """`For X, the engine recommended A; the auditor decided B because ...`."""
    reason = reason.strip().rstrip(".")
    return (
        f"{label}: the engine recommended {value_display(kind, engine_value)}; "
        f"the auditor decided {value_display(kind, value)} because {reason}."
    )


def _parse(path: str) -> tuple[str, tuple[str, ...]]:
    """Split a target path into its kind and the keys it names; raises OverrideError for anything else."""
    parts = path.split(".")
    if parts[0] == "services" and len(parts) == 4 and parts[2] in FAMILIES and parts[3] == "strength":
        return "strength", (parts[1], parts[2])
    if parts[0] == "services" and len(parts) == 5 and parts[2:4] == ["soc2", "categories"] and parts[4] in CATEGORIES:
        return "category", (parts[1], parts[4])
    if parts[0] == "reports" and len(parts) == 3 and parts[1] in REPORTS and parts[2] in ("type", "period", "as_of"):
        return parts[2], (parts[1],)
    if parts[0] == "subservice_organizations" and len(parts) >= 3 and parts[-1] == "method":
        name = ".".join(parts[1:-1])
        if name:
            return "method", (name,)
    raise OverrideError(f"{path}: not a conclusion that can be overridden.")


def _service(result: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    return next((s for s in result.get("services", []) if s.get("key") == key), None)


def _report(result: Mapping[str, Any], report: str) -> dict[str, Any] | None:
    return next((r for r in result.get("reports", []) if r.get("report") == report), None)


def _subservice(result: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    return next((s for s in result.get("subservice_organizations", []) if s.get("name") == name), None)


def value_at(result: Mapping[str, Any], path: str) -> Any:
    """The value `path` names in `result` (None when the service, report or vendor is not there)."""
    kind, keys = _parse(path)
    if kind in ("strength", "category"):
        service = _service(result, keys[0])
        if service is None:
            return None
        if kind == "strength":
            return (service.get(keys[1]) or {}).get("strength")
        return keys[1] in ((service.get("soc2") or {}).get("categories") or {})
    if kind in ("type", "period", "as_of"):
        report = _report(result, keys[0])
        return None if report is None else report.get(kind)
    subservice = _subservice(result, keys[0])
    return None if subservice is None else subservice.get("method")


def _label(result: Mapping[str, Any], kind: str, keys: tuple[str, ...]) -> str:
    if kind in ("strength", "category"):
        service = _service(result, keys[0]) or {}
        name = service.get("name") or keys[0]
        if kind == "strength":
            return f"{name} · {FAMILY_LABELS[keys[1]]} strength"
        return f"{name} · SOC 2 category {CATEGORY_LABELS[keys[1]]}"
    if kind == "method":
        return f"{keys[0]} · subservice method"
    what = {"type": "type", "period": "period", "as_of": "as-of date"}[kind]
    return f"{FAMILY_LABELS[keys[0]]} report · {what}"


def target_label(result: Mapping[str, Any], path: str) -> str:
    kind, keys = _parse(path)
    return _label(result, kind, keys)


def target_kind(path: str) -> str:
    return _parse(path)[0]


def _choices(kind: str) -> tuple[tuple[str, str], ...]:
    if kind == "strength":
        return tuple(STRENGTH_LABELS.items())
    if kind == "type":
        return tuple(TYPE_LABELS.items())
    if kind == "method":
        return tuple(METHOD_LABELS.items())
    if kind == "category":
        return (("true", "Included"), ("false", "Not included"))
    return ()


def _target(engine: Mapping[str, Any], shown: Mapping[str, Any], path: str) -> OverrideTarget:
    kind, keys = _parse(path)
    return OverrideTarget(
        path=path,
        kind=kind,
        label=_label(shown, kind, keys),
        engine_value=value_at(engine, path),
        current_value=value_at(shown, path),
        choices=_choices(kind),
    )


def override_targets(engine: Mapping[str, Any], shown: Mapping[str, Any]) -> list[OverrideTarget]:
    """Every conclusion of `shown` (the result with overrides applied) that the auditor may override."""
    paths: list[str] = []
    for service in shown.get("services", []):
        key = service["key"]
        paths += [f"services.{key}.soc1.strength", f"services.{key}.soc2.strength"]
        if (service.get("soc2") or {}).get("applicable"):
            paths += [f"services.{key}.soc2.categories.{category}" for category in CATEGORIES]
    for report in shown.get("reports", []):
        name = report["report"]
        paths.append(f"reports.{name}.type")
        paths.append(f"reports.{name}.period" if report.get("type") == "type2" else f"reports.{name}.as_of")
    paths += [f"subservice_organizations.{s['name']}.method" for s in shown.get("subservice_organizations", [])]
    return [_target(engine, shown, path) for path in paths]


def override_target(engine: Mapping[str, Any], shown: Mapping[str, Any], path: str) -> OverrideTarget:
    """The target `path` names, if the auditor may override it now; OverrideError otherwise."""
    kind, _keys = _parse(path)
    if not any(t.path == path for t in override_targets(engine, shown)):
        if kind == "period":
            raise OverrideError(f"{path}: only a Type 2 report has a period; change the type first.")
        if kind == "as_of":
            raise OverrideError(f"{path}: only a Type 1 report has an as-of date; change the type first.")
        raise OverrideError(f"{path}: this assessment's result has no such conclusion.")
    return _target(engine, shown, path)


def override_value_clean(kind: str, raw: Any) -> Any:
    """The JSON value for a submitted override value, or OverrideError with a sentence for the form."""
    if kind in ("strength", "type", "method"):
        allowed = dict(_choices(kind))
        if raw not in allowed:
            raise OverrideError(f"Choose one of: {', '.join(allowed.values())}.")
        return raw
    if kind == "category":
        if raw in (True, "true", "on", "1"):
            return True
        if raw in (False, "false", "off", "0"):
            return False
        raise OverrideError("Choose whether the category is included.")
    if kind == "as_of":
        if _date(raw) is None:
            raise OverrideError("Enter the as-of date as YYYY-MM-DD.")
        return raw
    if kind == "period":
        start = _date(raw.get("start")) if isinstance(raw, Mapping) else None
        end = _date(raw.get("end")) if isinstance(raw, Mapping) else None
        if start is None or end is None:
            raise OverrideError("Enter both the start and the end of the period as YYYY-MM-DD.")
        if end <= start:
            raise OverrideError("The period must end after it starts.")
        return {"start": start.isoformat(), "end": end.isoformat()}
    raise OverrideError(f"Unknown kind of conclusion: {kind}.")


def _sync_report_membership(result: dict[str, Any], family: str, key: str, applicable: bool) -> None:
    report = _report(result, family)
    order = [s["key"] for s in result.get("services", [])]
    if report is None:
        if not applicable:
            return
        report = {
            "report": family,
            "type": None,
            "services": [],
            "as_of": None,
            "period": None,
            "bridge_letter": None,
            "categories": [] if family == "soc2" else None,
            "reasons": [],
            "next_steps": [],
        }
        result["reports"] = sorted([*result.get("reports", []), report], key=lambda r: REPORTS.index(r["report"]))
    members = set(report.get("services") or [])
    members = members | {key} if applicable else members - {key}
    report["services"] = [k for k in order if k in members]
    if not report["services"]:
        result["reports"] = [r for r in result["reports"] if r is not report]


def _sync_report_categories(result: dict[str, Any]) -> None:
    report = _report(result, "soc2")
    if report is None:
        return
    included: set[str] = set()
    for key in report.get("services") or []:
        included |= set(((_service(result, key) or {}).get("soc2") or {}).get("categories") or {})
    report["categories"] = [c for c in CATEGORIES if c in included]


def _sync_soc3(result: dict[str, Any]) -> None:
    soc2, soc3 = _report(result, "soc2"), _report(result, "soc3")
    if soc3 is None:
        return
    if soc2 is None:
        result["reports"] = [r for r in result["reports"] if r is not soc3]
        return
    for field in ("services", "period", "categories"):
        soc3[field] = copy.deepcopy(soc2.get(field))


def _bridge_after(period_end: dt.date, old_bridge: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Keep the bridge letter reaching to the same fiscal year end, starting the day after the new period."""
    bridge_end = _date((old_bridge or {}).get("end"))
    if bridge_end is None or period_end >= bridge_end:
        return None
    return {"start": (period_end + dt.timedelta(days=1)).isoformat(), "end": bridge_end.isoformat()}


TIMELINE_TEXT = {
    "readiness": "Readiness: prepare the controls and start keeping evidence.",
    "observation": "Observation period: controls operate, evidence is kept.",
    "type1_date": "Type 1 date: the description and control design are examined.",
}


def _timeline_sync(report: dict[str, Any], as_of: dt.date | None) -> None:
    """Re-plan a report's timeline around the decided type and dates, as the engine plans its own: readiness up
    to the start, the observation window or Type 1 date, then fieldwork and reporting with their planned lengths."""
    timeline = report.get("timeline")
    if not timeline:
        return
    if report.get("type") == "type2" and isinstance(report.get("period"), Mapping):
        core = ("observation", _date(report["period"].get("start")), _date(report["period"].get("end")))
    else:
        day = _date(report.get("as_of"))
        core = ("type1_date", day, day)
    if core[1] is None or core[2] is None:
        return
    lengths = {}
    for step in timeline:
        start, end = _date(step.get("start")), _date(step.get("end"))
        if step.get("step") in ("fieldwork", "report") and start and end:
            lengths[step["step"]] = (end - start, step.get("description", ""))
    steps = []
    if as_of is not None and core[1] > as_of:
        steps.append(("readiness", as_of, core[1] - dt.timedelta(days=1), TIMELINE_TEXT["readiness"]))
    steps.append((core[0], core[1], core[2], TIMELINE_TEXT[core[0]]))
    start = max(core[2] + dt.timedelta(days=1), as_of or core[2])
    for name in ("fieldwork", "report"):
        if name in lengths:
            length, text = lengths[name]
            steps.append((name, start, start + length, text))
            start = start + length + dt.timedelta(days=1)
    report["timeline"] = [
        {"step": name, "start": begin.isoformat(), "end": end.isoformat(), "description": text}
        for name, begin, end, text in steps
    ]


def _apply_one(result: dict[str, Any], kind: str, keys: tuple[str, ...], value: Any) -> bool:
    """Apply one override in place; False when the result has nothing at its target."""
    if kind in ("strength", "category"):
        service = _service(result, keys[0])
        if service is None:
            return False
        if kind == "strength":
            family = keys[1]
            node = service.setdefault(family, {"applicable": False, "strength": "not_applicable", "reasons": []})
            node["strength"] = value
            node["applicable"] = value != "not_applicable"
            if family == "soc2" and node["applicable"]:
                node.setdefault("categories", {}).setdefault("security", [])
            _sync_report_membership(result, family, keys[0], node["applicable"])
            _sync_report_categories(result)
            return True
        node = service.get("soc2") or {}
        if not node.get("applicable"):
            return False
        categories = node.setdefault("categories", {})
        if value:
            categories.setdefault(keys[1], [])
        else:
            categories.pop(keys[1], None)
        node["categories"] = {c: categories[c] for c in CATEGORIES if c in categories}
        _sync_report_categories(result)
        return True
    if kind in ("type", "period", "as_of"):
        report = _report(result, keys[0])
        if report is None:
            return False
        if kind == "type":
            report["type"] = value
            if value == "type1":
                report["as_of"] = report.get("as_of") or result.get("as_of")
                report["period"] = None
                report["bridge_letter"] = None
            else:
                report["as_of"] = None
        elif kind == "period":
            if report.get("type") != "type2":
                return False
            report["period"] = dict(value)
            report["bridge_letter"] = _bridge_after(dt.date.fromisoformat(value["end"]), report.get("bridge_letter"))
        else:
            if report.get("type") != "type1":
                return False
            report["as_of"] = value
        _timeline_sync(report, _date(result.get("as_of")))
        return True
    subservice = _subservice(result, keys[0])
    if subservice is None:
        return False
    subservice["method"] = value
    return True


def result_with_overrides(result: Mapping[str, Any], overrides: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A copy of `result` with the auditor's overrides applied, for display (the app and the memo).

    `overrides` are mappings with `target`, `engine_value`, `value`, `reason` and optionally `author`,
    `created_at`. The copy gains `overrides`: one entry per override with its `label`, `kind`, `sentence`
    and `applied` (false when the result no longer has that conclusion, e.g. a service since removed).
    Each changed node also gains `overridden`: {field: override entry} so templates can mark it.
    """
    shown = copy.deepcopy(dict(result))
    entries = []
    parsed = []
    for override in overrides:
        try:
            kind, keys = _parse(str(override["target"]))
        except OverrideError:
            kind, keys = "", ()
        parsed.append((kind, keys, override))
    parsed.sort(key=lambda item: KIND_ORDER.index(item[0]) if item[0] in KIND_ORDER else len(KIND_ORDER))
    for kind, keys, override in parsed:
        applied = bool(kind) and _apply_one(shown, kind, keys, override.get("value"))
        label = _label(shown, kind, keys) if kind else str(override["target"])
        entry = {
            "target": override["target"],
            "kind": kind,
            "label": label,
            "engine_value": override.get("engine_value"),
            "value": override.get("value"),
            "engine_display": value_display(kind, override.get("engine_value")),
            "value_display": value_display(kind, override.get("value")),
            "reason": override.get("reason", ""),
            "author": override.get("author", ""),
            "created_at": override.get("created_at", ""),
            "applied": applied,
            "sentence": override_sentence(
                label=label,
                kind=kind,
                engine_value=override.get("engine_value"),
                value=override.get("value"),
                reason=str(override.get("reason", "")),
            ),
        }
        entries.append(entry)
        if applied:
            _mark(shown, kind, keys, entry)
    _sync_soc3(shown)
    shown["overrides"] = entries
    return shown


def _mark(result: dict[str, Any], kind: str, keys: tuple[str, ...], entry: dict[str, Any]) -> None:
    if kind == "strength":
        node = (_service(result, keys[0]) or {}).get(keys[1])
        field = "strength"
    elif kind == "category":
        node = (_service(result, keys[0]) or {}).get("soc2")
        field = keys[1]
    elif kind == "method":
        node = _subservice(result, keys[0])
        field = "method"
    else:
        node = _report(result, keys[0])
        field = kind
    if node is not None:
        node.setdefault("overridden", {})[field] = entry
