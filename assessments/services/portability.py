"""One organization's data as a single JSON document, and back: for moving a tenant between installations.

The document holds the organization, its members, its assessments with everything hanging off them (services,
subservice organizations, answers, section states, memos with their PDF bytes, comments, overrides, transitions,
assignments), the bank versions those assessments use, and the organization's audit log. People are named by
username, organizations by slug, bank versions by key and number; rows of the document refer to each other by
the ids they had at export. Import is all or nothing and refuses to overwrite an organization that exists.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q

from assessments.models import (
    Answer,
    Assessment,
    Assignment,
    AuditEvent,
    BankVersion,
    Comment,
    Membership,
    Memo,
    Organization,
    Override,
    SectionState,
    Service,
    SubserviceOrganization,
    Transition,
    User,
)
from assessments.selectors.banks import bank_document
from assessments.services.audit import audit_event_record
from assessments.services.intake import assessment_progress_refresh

FORMAT = "socscope.organization/1"


class PortabilityError(ValueError):
    """An export file that cannot be imported here; one line per problem, each starting with its JSON path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Table:
    """An exported model, the document key it lives under, and how to find one organization's rows."""

    key: str
    model: type[models.Model]
    organization_path: str


# In import order: every row's references point at rows of earlier tables (or earlier rows of its own).
TABLES = (
    Table("assessments", Assessment, "organization"),
    Table("services", Service, "assessment__organization"),
    Table("subservice_organizations", SubserviceOrganization, "assessment__organization"),
    Table("answers", Answer, "assessment__organization"),
    Table("section_states", SectionState, "assessment__organization"),
    Table("memos", Memo, "assessment__organization"),
    Table("comments", Comment, "assessment__organization"),
    Table("overrides", Override, "assessment__organization"),
    Table("transitions", Transition, "assessment__organization"),
    Table("assignments", Assignment, "assessment__organization"),
    Table("audit_events", AuditEvent, "organization"),
)
EXPORTED_MODELS = {table.model for table in TABLES}


# ---------------------------------------------------------------------------------------------- export


def _scalar(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _row(obj: models.Model, people: set[int], organizations: set[int], versions: set[int]) -> dict[str, Any]:
    row: dict[str, Any] = {"id": obj.pk}
    for field in obj._meta.concrete_fields:
        if field.primary_key:
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, models.ForeignKey):
            if value is None:
                row[field.name] = None
            elif field.related_model is User:
                people.add(value)
                row[field.name] = value
            elif field.related_model is Organization:
                organizations.add(value)
                row[field.name] = value
            elif field.related_model is BankVersion:
                versions.add(value)
                row[field.name] = value
            else:
                row[field.name] = value
        elif isinstance(field, models.FileField):
            try:
                with value.open("rb") as handle:
                    content = handle.read()
            except OSError as exc:
                raise PortabilityError(
                    [f"{type(obj).__name__} {obj.pk}: its file {value.name!r} cannot be read from storage ({exc})"]
                ) from exc
            row[field.name] = {"name": value.name.rsplit("/", 1)[-1], "base64": base64.b64encode(content).decode()}
        else:
            row[field.name] = _scalar(value)
    for field in obj._meta.many_to_many:
        row[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return row


def _organization_rows(table: Table, organization: Organization) -> Iterable[models.Model]:
    condition = Q(**{table.organization_path: organization})
    if table.model is AuditEvent:
        condition |= Q(assessment__organization=organization)
    return table.model._base_manager.filter(condition).order_by("pk")


def _references(document: dict[str, Any], people: set[int], organizations: set[int], versions: set[int]) -> None:
    """Replace the ids of users, organizations and bank versions by their usernames, slugs and labels."""
    usernames = dict(User.objects.filter(pk__in=people).values_list("pk", "username"))
    slugs = dict(Organization.objects.filter(pk__in=organizations).values_list("pk", "slug"))
    labels = {v.pk: v.label for v in BankVersion.objects.filter(pk__in=versions).select_related("bank")}
    for table in TABLES:
        for row in document[table.key]:
            for field in table.model._meta.concrete_fields:
                if isinstance(field, models.ForeignKey) and row.get(field.name) is not None:
                    lookup = {User: usernames, Organization: slugs, BankVersion: labels}.get(field.related_model)
                    if lookup is not None:
                        row[field.name] = lookup[row[field.name]]


@transaction.atomic
def organization_export(*, organization: Organization, actor: User | None = None) -> dict[str, Any]:
    """Everything of `organization` as one JSON-ready document (`socscope.organization/1`)."""
    if connection.vendor == "postgresql" and not connection.savepoint_ids:
        # One consistent snapshot of every table, even while people keep working. Only a transaction of our
        # own can choose its isolation level (inside a caller's, nothing has to be consistent beyond it).
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    people: set[int] = set()
    organizations: set[int] = {organization.pk}
    versions: set[int] = set()
    document: dict[str, Any] = {"format": FORMAT}
    for table in TABLES:
        document[table.key] = [
            _row(obj, people, organizations, versions) for obj in _organization_rows(table, organization)
        ]
    memberships = Membership.objects.filter(organization=organization).select_related("user").order_by("pk")
    document["memberships"] = [{"user": m.user.username, "role": m.role} for m in memberships]
    people.update(m.user_id for m in memberships)
    # Assigned auditors keep their firm membership, which is what makes them auditors.
    assigned = {row["auditor"] for row in document["assignments"] if row["auditor"] is not None}
    assigned_firms = {row["firm"] for row in document["assignments"] if row["firm"] is not None}
    auditor_memberships = Membership.objects.filter(
        Q(user_id__in=assigned) | Q(organization_id__in=assigned_firms), role=Membership.Role.AUDITOR
    ).select_related("user", "organization")
    document["auditor_memberships"] = [
        {"user": m.user.username, "firm": m.organization.slug} for m in auditor_memberships.order_by("pk")
    ]
    people.update(m.user_id for m in auditor_memberships)
    organizations.update(m.organization_id for m in auditor_memberships)

    _references(document, people, organizations, versions)
    document["organization"] = {"name": organization.name, "slug": organization.slug, "kind": organization.kind}
    document["organizations"] = [
        {"name": o.name, "slug": o.slug, "kind": o.kind}
        for o in Organization.objects.filter(pk__in=organizations - {organization.pk}).order_by("slug")
    ]
    document["users"] = [
        {"username": u.username, "full_name": u.full_name, "email": u.email, "is_active": u.is_active}
        for u in User.objects.filter(pk__in=people).order_by("username")
    ]
    bank_versions = BankVersion.objects.filter(pk__in=versions).select_related("bank").order_by("bank__key", "number")
    document["bank_versions"] = [
        {"label": v.label, "status": v.status, "checksum": v.checksum, "document": bank_document(v)}
        for v in bank_versions
    ]
    audit_event_record(
        action="organization.exported",
        actor=actor,
        organization=organization,
        data={"assessments": len(document["assessments"]), "memos": len(document["memos"])},
    )
    return document


# ---------------------------------------------------------------------------------------------- import


def _require(document: dict[str, Any], key: str, kind: type[dict] | type[list], problems: list[str]) -> Any:
    value = document.get(key)
    if not isinstance(value, kind):
        problems.append(f"$.{key}: missing or not {'an object' if kind is dict else 'a list'}")
        return kind()
    return value


def _clean(obj: models.Model, path: str, exclude: list[str] | None = None) -> None:
    """Field-level validation (choices, lengths, formats) with the document path in the message.

    References were resolved already, and JSON values are stored as exported (an empty list is a real answer).
    """
    resolved = [f.name for f in obj._meta.concrete_fields if isinstance(f, models.JSONField | models.ForeignKey)]
    try:
        obj.full_clean(exclude=[*(exclude or []), *resolved], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise PortabilityError(
            [f"{path}.{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()]
        ) from exc


def _check_shape(document: Any) -> None:
    if not isinstance(document, dict):
        raise PortabilityError(["$: an organization export must be a JSON object"])
    problems: list[str] = []
    if document.get("format") != FORMAT:
        problems.append(f"$.format: expected {FORMAT!r}, got {document.get('format')!r}")
    organization = _require(document, "organization", dict, problems)
    for key in ("slug", "name"):
        if organization and not isinstance(organization.get(key), str):
            problems.append(f"$.organization.{key}: missing or not a string")
    for key in ("organizations", "users", "memberships", "auditor_memberships", "bank_versions"):
        _require(document, key, list, problems)
    for table in TABLES:
        for index, row in enumerate(_require(document, table.key, list, problems)):
            if not isinstance(row, dict) or not isinstance(row.get("id"), int):
                problems.append(f"$.{table.key}[{index}]: must be an object with an integer id")
    if problems:
        raise PortabilityError(problems)


class _Importer:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.problems: list[str] = []
        self.users: dict[str, User] = {}
        self.organizations: dict[str, Organization] = {}
        self.versions: dict[str, BankVersion] = {}
        self.ids: dict[type[models.Model], dict[int, int]] = {table.model: {} for table in TABLES}

    def fail(self, problem: str) -> None:
        raise PortabilityError([problem])

    def users_ensure(self) -> None:
        for index, raw in enumerate(self.document["users"]):
            username = raw.get("username") if isinstance(raw, dict) else None
            if not isinstance(username, str) or not username:
                self.fail(f"$.users[{index}].username: missing")
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    full_name=str(raw.get("full_name") or ""),
                    email=str(raw.get("email") or ""),
                    is_active=bool(raw.get("is_active", True)),
                )
                # Passwords never travel; an administrator sets one (or the person resets theirs).
                user.set_unusable_password()
                _clean(user, f"$.users[{index}]", exclude=["password"])
                user.save()
            self.users[username] = user

    def organizations_ensure(self) -> Organization:
        raw = self.document["organization"]
        if Organization.objects.filter(slug=raw["slug"]).exists():
            self.fail(
                f"$.organization.slug: organization {raw['slug']!r} already exists here; "
                "import into an installation without it"
            )
        organization = Organization(name=raw["name"], slug=raw["slug"], kind=raw.get("kind", "service_org"))
        _clean(organization, "$.organization")
        organization.save()
        self.organizations[organization.slug] = organization
        for index, other in enumerate(self.document["organizations"]):
            if not isinstance(other, dict) or not isinstance(other.get("slug"), str):
                self.fail(f"$.organizations[{index}].slug: missing")
            existing = Organization.objects.filter(slug=other["slug"]).first()
            if existing is None:
                existing = Organization(
                    name=other.get("name") or other["slug"], slug=other["slug"], kind=other.get("kind")
                )
                _clean(existing, f"$.organizations[{index}]")
                existing.save()
            self.organizations[existing.slug] = existing
        return organization

    def memberships_ensure(self, organization: Organization) -> None:
        for index, raw in enumerate(self.document["memberships"]):
            path = f"$.memberships[{index}]"
            user = self.user(raw.get("user") if isinstance(raw, dict) else None, f"{path}.user")
            membership = Membership(user=user, organization=organization, role=raw.get("role"))
            _clean(membership, path)
            membership.save()
        for index, raw in enumerate(self.document["auditor_memberships"]):
            path = f"$.auditor_memberships[{index}]"
            user = self.user(raw.get("user") if isinstance(raw, dict) else None, f"{path}.user")
            firm = self.organization(raw.get("firm"), f"{path}.firm")
            Membership.objects.get_or_create(user=user, organization=firm, defaults={"role": Membership.Role.AUDITOR})

    def bank_versions_ensure(self, actor: User | None) -> None:
        from assessments.services.banks import BankValidationError, bank_version_import, bank_version_retire

        for index, raw in enumerate(self.document["bank_versions"]):
            path = f"$.bank_versions[{index}]"
            label = raw.get("label") if isinstance(raw, dict) else None
            if not isinstance(label, str) or "@" not in label:
                self.fail(f"{path}.label: missing or not KEY@NUMBER")
            key, _, number = label.partition("@")
            version = BankVersion.objects.filter(bank__key=key, number=number).select_related("bank").first()
            if version is None:
                try:
                    version = bank_version_import(document=raw.get("document"), actor=actor, publish=True)
                except BankValidationError as exc:
                    raise PortabilityError([f"{path}.document: {problem}" for problem in exc.problems]) from exc
                if raw.get("status") == BankVersion.Status.RETIRED:
                    version = bank_version_retire(version=version, actor=actor)
            if raw.get("checksum") and version.checksum != raw["checksum"]:
                self.fail(
                    f"{path}.checksum: {label} here has checksum {version.checksum or 'none'}, the export has "
                    f"{raw['checksum']}; the assessments were scoped with different questions"
                )
            self.versions[label] = version

    def user(self, username: Any, path: str) -> User:
        if username not in self.users:
            self.fail(f"{path}: user {username!r} is not listed in $.users")
        return self.users[username]

    def organization(self, slug: Any, path: str) -> Organization:
        if slug not in self.organizations:
            self.fail(f"{path}: organization {slug!r} is not listed in $.organization or $.organizations")
        return self.organizations[slug]

    def value(self, field: models.Field, raw: Any, path: str) -> Any:
        if isinstance(field, models.ForeignKey):
            if raw is None:
                return None
            target = field.related_model
            if target is User:
                return self.user(raw, path)
            if target is Organization:
                return self.organization(raw, path)
            if target is BankVersion:
                if raw not in self.versions:
                    self.fail(f"{path}: bank version {raw!r} is not listed in $.bank_versions")
                return self.versions[raw]
            new_id = self.ids[target].get(raw)
            if new_id is None:
                self.fail(f"{path}: refers to {target.__name__} {raw!r}, which is not in this export")
            return new_id
        return field.to_python(raw)

    def table_import(self, table: Table) -> None:
        model = table.model
        timestamps = [
            f for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        for index, raw in enumerate(self.document[table.key]):
            path = f"$.{table.key}[{index}]"
            obj = model()
            content = None
            for field in model._meta.concrete_fields:
                if field.primary_key or field.name not in raw:
                    continue
                where = f"{path}.{field.name}"
                if isinstance(field, models.FileField):
                    content = self.file_content(raw[field.name], raw, where)
                elif isinstance(field, models.ForeignKey) and field.related_model in EXPORTED_MODELS:
                    setattr(obj, field.attname, self.value(field, raw[field.name], where))
                else:
                    try:
                        setattr(obj, field.name, self.value(field, raw[field.name], where))
                    except (TypeError, ValueError) as exc:
                        self.fail(f"{where}: {exc}")
            if content is not None:
                name, data = content
                file_field = next(f for f in model._meta.concrete_fields if isinstance(f, models.FileField))
                getattr(obj, file_field.name).save(name, ContentFile(data), save=False)
            _clean(obj, path)
            try:
                with transaction.atomic():
                    obj.save()
            except IntegrityError as exc:
                raise PortabilityError([f"{path}: conflicts with another row of the export ({exc})"]) from exc
            self.ids[model][raw["id"]] = obj.pk
            for field in model._meta.many_to_many:
                where = f"{path}.{field.name}"
                getattr(obj, field.name).set([self.value_m2m(field, pk, where) for pk in raw.get(field.name, [])])
            restored = {f.attname: f.to_python(raw[f.name]) for f in timestamps if raw.get(f.name) is not None}
            if restored:
                # Saving stamps "now"; put back the times the rows really had. A plain QuerySet, because the
                # audit log's own refuses updates: this restores history, it does not change it.
                models.QuerySet(model=model).filter(pk=obj.pk).update(**restored)

    def value_m2m(self, field: models.ManyToManyField, raw: Any, path: str) -> int:
        new_id = self.ids.get(field.related_model, {}).get(raw)
        if new_id is None:
            self.fail(f"{path}: refers to {field.related_model.__name__} {raw!r}, which is not in this export")
        return new_id

    def file_content(self, raw: Any, row: dict[str, Any], path: str) -> tuple[str, bytes]:
        if not isinstance(raw, dict) or not isinstance(raw.get("base64"), str):
            self.fail(f"{path}: must be an object with the file's name and base64 bytes")
        try:
            data = base64.b64decode(raw["base64"], validate=True)
        except ValueError as exc:
            raise PortabilityError([f"{path}.base64: not valid base64"]) from exc
        expected = row.get("sha256")
        if expected and hashlib.sha256(data).hexdigest() != expected:
            self.fail(f"{path}: the file's bytes do not match its SHA-256 {expected}")
        name = str(raw.get("name") or "file").replace("/", "_").replace("\\", "_")
        return name, data


@transaction.atomic
def organization_import(*, document: Any, actor: User | None = None) -> Organization:
    """Create the organization of an export and everything in it; raises `PortabilityError`, storing nothing."""
    _check_shape(document)
    importer = _Importer(document)
    importer.users_ensure()
    organization = importer.organizations_ensure()
    importer.memberships_ensure(organization)
    importer.bank_versions_ensure(actor)
    for table in TABLES:
        importer.table_import(table)
    # The progress an export carries is only a copy (and older exports have none): count it from the answers.
    imported = Assessment.objects.filter(pk__in=importer.ids[Assessment].values()).select_related("bank_version")
    for assessment in imported:
        assessment_progress_refresh(assessment=assessment)
    audit_event_record(
        action="organization.imported",
        actor=actor,
        organization=organization,
        data={"assessments": len(document["assessments"]), "memos": len(document["memos"])},
    )
    return organization
