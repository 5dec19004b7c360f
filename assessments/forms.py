"""Forms: the questionnaire's one form factory, driven by the bank, and the small set-up forms.

A section form holds a field for each question the engine shows for the current answers, named by the question
key. Values move between the form and the scoping contract's JSON values (yes/no -> true/false/"unknown", multi
-> list of choice keys, number -> number, date -> "YYYY-MM-DD") only here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.html import format_html

from assessments.engine import Bank, Question, visible_questions
from assessments.engine.contract import ORGANIZATION as ORGANIZATION_LEVEL
from assessments.engine.contract import UNKNOWN
from assessments.engine.model import Section
from assessments.models import Organization, Service, SubserviceOrganization

YES, NO = "yes", "no"
DONT_KNOW = "Don't know"
UNKNOWN_SUFFIX = "__unknown"
# Hidden inputs of the questionnaire page: the section version the form started from, and one entry per question
# shown on the page (only those are read on save, so an answer the page never showed is never cleared).
VERSION_FIELD = "_version"
SHOWN_FIELD = "_shown"
# The engine's limits: numbers beyond this are typing mistakes; dates outside these years are refused.
NUMBER_LIMIT = 10**9
DATE_VALIDATORS = [
    MinValueValidator(dt.date(1900, 1, 1), message="Enter a date in 1900 or later."),
    MaxValueValidator(dt.date(2999, 12, 31), message="Enter a date before the year 3000."),
]
# Radio buttons read better than a menu until there are too many options to scan at a glance.
MAX_RADIO_CHOICES = 7


class NumberOrUnknown(NamedTuple):
    number: str
    unknown: bool


class NumberOrUnknownWidget(forms.NumberInput):
    """A number input followed by its own labelled "Don't know" checkbox (`<key>__unknown`)."""

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> NumberOrUnknown:
        number = super().value_from_datadict(data, files, name) or ""
        return NumberOrUnknown(str(number), bool(data.get(name + UNKNOWN_SUFFIX)))

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return name not in data and name + UNKNOWN_SUFFIX not in data

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, NumberOrUnknown):
            return value.number or None
        if value == UNKNOWN:
            return None
        return super().format_value(value)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        number = super().render(name, value, attrs, renderer)
        unknown = value.unknown if isinstance(value, NumberOrUnknown) else value == UNKNOWN
        input_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        disabled = (attrs or {}).get("disabled") or self.attrs.get("disabled")
        return format_html(
            '{}<div class="form-check mt-1"><input class="form-check-input" type="checkbox" name="{}" id="{}"'
            ' value="1"{}{}><label class="form-check-label" for="{}">{}</label></div>',
            number,
            name + UNKNOWN_SUFFIX,
            input_id + UNKNOWN_SUFFIX,
            " checked" if unknown else "",
            " disabled" if disabled else "",
            input_id + UNKNOWN_SUFFIX,
            DONT_KNOW,
        )


class NumberAnswerField(forms.DecimalField):
    """A number, or "unknown" when the question allows it (the widget then carries a "Don't know" box)."""

    def __init__(self, *, allow_unknown: bool, **kwargs: Any) -> None:
        self.allow_unknown = allow_unknown
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | str | None:
        if isinstance(value, NumberOrUnknown):
            if value.unknown and value.number.strip():
                raise ValidationError("Enter a number or tick “Don't know”, not both.", code="both")
            if value.unknown:
                return UNKNOWN
            value = value.number
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        if value != UNKNOWN:
            super().validate(value)

    def run_validators(self, value: Any) -> None:
        if value != UNKNOWN:
            super().run_validators(value)


class QuestionHelper(FormHelper):
    """How crispy draws one question (`as_crispy_field` reads `field_template`); a section page has dozens.

    It never draws a <form> tag, so it has no action: FormHelper's own would try `reverse("")` per field.
    """

    form_action = ""
    form_tag = False
    field_template = "assessments/questionnaire/_field.html"


QUESTION_HELPER = QuestionHelper()


def allows_unknown(question: Question) -> bool:
    return question.allow_unknown or question.type == "yes_no_unknown"


def question_help(question: Question) -> str:
    """Help text and the standard the question rests on, announced with the field (aria-describedby)."""
    if question.reference:
        return format_html(
            '{}<span class="d-block question-reference">Reference: {}</span>', question.help_text, question.reference
        )
    return question.help_text


def question_label(question: Question) -> str:
    return question.label if question.required else f"{question.label} (optional)"


def question_field(question: Question, *, disabled: bool = False) -> forms.Field:
    """The form field for one bank question. Never required here: a section saves as a draft."""
    common: dict[str, Any] = {
        "label": question_label(question),
        "help_text": question_help(question),
        "required": False,
        "disabled": disabled,
    }
    kind = question.type
    if kind in ("yes_no", "yes_no_unknown"):
        choices = [(YES, "Yes"), (NO, "No")]
        if allows_unknown(question):
            choices.append((UNKNOWN, DONT_KNOW))
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == "single":
        options = [(choice.key, choice.label) for choice in question.choices]
        if len(options) <= MAX_RADIO_CHOICES:
            return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
        return forms.ChoiceField(
            choices=[("", "Choose…"), *options], widget=forms.Select(attrs={"class": "form-select"}), **common
        )
    if kind == "multi":
        options = [(choice.key, choice.label) for choice in question.choices]
        return forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple, **common)
    if kind == "number":
        return number_field(question, common)
    if kind == "date":
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
            input_formats=["%Y-%m-%d"],
            validators=DATE_VALIDATORS,
            error_messages={"invalid": "Enter a real date, such as 2027-03-31."},
            **common,
        )
    max_length = question.max_length
    rows = 2 if max_length is not None and max_length <= 300 else 4
    widget = forms.Textarea(attrs={"rows": rows, "class": "form-control"})
    return forms.CharField(max_length=max_length, widget=widget, **common)


def number_field(question: Question, common: dict[str, Any]) -> forms.Field:
    # The contract rejects negative numbers whatever the bank says, and the engine implausibly large ones.
    low = max(question.min_value or 0, 0)
    high = NUMBER_LIMIT if question.max_value is None else question.max_value
    attrs: dict[str, Any] = {"step": "any", "inputmode": "decimal", "min": low, "max": high, "class": "form-control"}
    validators = [
        MinValueValidator(low, message=f"Enter a number of at least {low}."),
        MaxValueValidator(high, message=f"Enter a number no greater than {high}."),
    ]
    unknown = allows_unknown(question)
    widget = NumberOrUnknownWidget(attrs=attrs) if unknown else forms.NumberInput(attrs=attrs)
    return NumberAnswerField(
        allow_unknown=unknown,
        widget=widget,
        validators=validators,
        error_messages={"invalid": "Enter a number, such as 12."},
        **common,
    )


def form_value(question: Question, value: Any) -> Any:
    """A contract JSON value as the form shows it."""
    if value is None:
        return None
    if question.type in ("yes_no", "yes_no_unknown"):
        return {True: YES, False: NO}.get(value, UNKNOWN if value == UNKNOWN else None)
    if question.type == "multi":
        return list(value)
    return value


def contract_value(question: Question, cleaned: Any) -> Any:
    """A cleaned form value as the contract's JSON value; None means unanswered."""
    if cleaned in (None, "", [], ()):
        return None
    if cleaned == UNKNOWN:
        return UNKNOWN
    kind = question.type
    if kind in ("yes_no", "yes_no_unknown"):
        return cleaned == YES
    if kind == "multi":
        chosen = set(cleaned)
        return [choice.key for choice in question.choices if choice.key in chosen]
    if kind == "number":
        number = Decimal(cleaned)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "date":
        return cleaned.isoformat() if isinstance(cleaned, dt.date) else str(cleaned)
    if kind == "text":
        return cleaned.strip() or None
    return cleaned


def posted_answers(questions: Iterable[Question], data: Mapping[str, Any]) -> dict[str, Any]:
    """What the posted data says for each question, ignoring values that do not parse.

    Visibility is decided from these before the real form exists: a follow-up appears because of what the
    user just chose, not what was saved before.
    """
    answers: dict[str, Any] = {}
    for question in questions:
        field = question_field(question)
        raw = field.widget.value_from_datadict(data, None, question.key)
        try:
            value = contract_value(question, field.clean(raw))
        except ValidationError:
            continue
        answers[question.key] = value
    return answers


def with_answers(answers: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`answers` overlaid with `changes`; a change to None removes the answer."""
    merged = dict(answers)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class Slot:
    """One question's place in a section: the bound field when it is shown, None when its condition hides it."""

    question: Question
    field: forms.BoundField | None

    @property
    def key(self) -> str:
        return self.question.key


class SectionForm(forms.Form):
    """A questionnaire section's form. Built only by `section_form`."""

    section: Section
    questions: dict[str, Question]

    on_page: set[str] | None

    def answers(self) -> dict[str, Any]:
        """The cleaned answers of the shown questions as contract JSON values (None = unanswered).

        When the data names the questions its page showed, only those count: a follow-up the engine shows
        because of this very save was not on the page, so its saved answer stays as it is.
        """
        return {
            key: contract_value(question, self.cleaned_data.get(key))
            for key, question in self.questions.items()
            if self.on_page is None or key in self.on_page
        }

    def slots(self) -> list[Slot]:
        return [
            Slot(question, self[question.key] if question.key in self.questions else None)
            for question in self.section.questions
        ]


def section_form(
    *,
    bank: Bank,
    section: Section,
    org_answers: Mapping[str, Any],
    service_answers: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    disabled: bool = False,
) -> SectionForm:
    """The form for one section of one assessment (and service, for a service-level section).

    `org_answers` / `service_answers` are the saved contract values. With `data`, the posted values of this
    section replace the saved ones before the engine decides which questions are shown.
    """
    if data is not None:
        posted = posted_answers(section.questions, data)
        if section.level == ORGANIZATION_LEVEL:
            org_answers = with_answers(org_answers, posted)
        else:
            service_answers = with_answers(service_answers or {}, posted)
    own_answers = org_answers if section.level == ORGANIZATION_LEVEL else (service_answers or {})
    shown = shown_keys(bank, section.level, org_answers, service_answers)
    questions = {question.key: question for question in section.questions if question.key in shown}

    fields: dict[str, forms.Field] = {
        key: question_field(question, disabled=disabled) for key, question in questions.items()
    }
    # Fields are set after the class exists, so a question key can never shadow a Form attribute.
    form_class = type("SectionForm", (SectionForm,), {})
    form_class.base_fields = fields
    initial = {key: form_value(question, own_answers.get(key)) for key, question in questions.items()}
    form = form_class(data=data, initial=initial)
    form.section = section
    form.questions = questions
    form.helper = QUESTION_HELPER
    form.on_page = posted_shown(data)
    return form


def posted_shown(data: Mapping[str, Any] | None) -> set[str] | None:
    """The question keys the submitting page showed, or None when the data does not say."""
    if data is None or SHOWN_FIELD not in data:
        return None
    if hasattr(data, "getlist"):
        return set(data.getlist(SHOWN_FIELD))
    value = data[SHOWN_FIELD]
    return {value} if isinstance(value, str) else set(value)


def shown_keys(
    bank: Bank, level: str, org_answers: Mapping[str, Any], service_answers: Mapping[str, Any] | None
) -> set[str]:
    answers = None if level == ORGANIZATION_LEVEL else (service_answers or {})
    return {question.key for question in visible_questions(bank, level, org_answers, answers)}


# ---------------------------------------------------------------------------------------------------- set-up


class AssessmentCreateForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="For example “FY2027 SOC scoping”.")
    as_of = forms.DateField(
        label="As-of date",
        help_text="The date the scoping is done; every date in the result is derived from it.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter a real date."},
    )
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), empty_label=None)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = organizations
        # A manager of one organization is not asked which one.
        self.only = organizations[0] if len(organizations) == 1 else None
        if self.only is not None:
            field.required = False
            field.widget = forms.HiddenInput()

    def clean_organization(self) -> Organization | None:
        return self.cleaned_data.get("organization") or self.only


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = ["name", "description"]
        labels = {"name": "Service name"}
        help_texts = {
            "name": "A service you offer to customers, for example “Payroll processing”.",
            "description": "What the service does, for whom (optional).",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class SubserviceOrganizationForm(forms.ModelForm):
    class Meta:
        model = SubserviceOrganization
        fields = ["name", "provides", "services", "has_soc_report", "controls_required", "will_participate"]
        labels = {
            "name": "Subservice organization",
            "provides": "What it provides",
            "services": "Services it supports",
            "has_soc_report": "Does it have its own SOC report?",
            "controls_required": "Are its controls needed to meet your control objectives or criteria?",
            "will_participate": "Will it take part in your examination?",
        }
        help_texts = {
            "name": "A vendor whose services are part of your system, for example your cloud provider.",
            "provides": "For example “Infrastructure hosting”.",
            "controls_required": "If your controls only work because the vendor performs some controls too, "
            "answer yes. Reference: AT-C 320; SOC 2 description criteria DC 7.",
            "will_participate": "Taking part means its controls are tested in your report (the inclusive method).",
        }
        widgets = {
            "services": forms.CheckboxSelectMultiple,
            "has_soc_report": forms.RadioSelect,
            "controls_required": forms.RadioSelect,
            "will_participate": forms.RadioSelect,
        }

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = services
        for name in ("has_soc_report", "controls_required", "will_participate"):
            self.fields[name].choices = SubserviceOrganization.Tristate.choices
