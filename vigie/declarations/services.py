"""Writes on declarations. Each function is one transaction; notifications leave on commit."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Model, Sum
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.core.batch import insert_together, insert_unless_conflict, save_sql
from vigie.core.scoping import scope_for
from vigie.core.sql import col
from vigie.declarations.attachments import check_upload, upload_store
from vigie.declarations.emails import acknowledgement_body, acknowledgement_subject, routed_body
from vigie.declarations.models import (
    Attachment,
    Declaration,
    DeclarationRecipient,
    DeclarationSource,
    DeclarationStatus,
    RecipientKind,
)
from vigie.declarations.routing import Route, declaration_route, reason_labels
from vigie.declarations.steps import (
    QUICK_REQUIRED,
    REQUIRED_FIELDS,
    STEP_BY_SLUG,
    check_dates,
    declaration_problems,
)
from vigie.directory.models import Membership, Role, Structure, User, Vendor
from vigie.notifications.models import Notification, OutgoingEmail
from vigie.notifications.services import (
    email_build,
    email_subject,
    emails_dispatch,
    notifications_build,
)


class DeclarationIncomplete(ValidationError):
    """Submission refused: ``problems`` maps each field to its French message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(_("The declaration is incomplete."))
        self.problems = problems


def can_declare_for(user: Any, structure: Structure) -> bool:
    """Director, designated declarant, or the national portal's integration account."""
    if not structure.is_active:
        return False
    scope = scope_for(user)
    return structure.pk in scope.declarant_structure_ids or scope.has(Role.API_INTEGRATION)


def _check_author(declaration: Declaration, by: User) -> None:
    if declaration.created_by_id != by.pk or not can_declare_for(by, declaration.structure):
        raise PermissionDenied(_("You cannot edit this declaration."))
    if not declaration.is_draft:
        raise ValidationError(_("This declaration has already been submitted."))


def _locked_draft(declaration: Declaration, by: User) -> Declaration:
    locked = (
        # The rows locked as before; the incident type (nullable, so never locked: an
        # outer join) is what a submission's messages show, read with it.
        Declaration.objects.select_for_update(
            of=("self", "structure", "structure__departement", "structure__departement__region")
        )
        .select_related("structure__departement__region", "incident_type")
        .get(pk=declaration.pk)
    )
    _check_author(locked, by)
    return locked


@transaction.atomic
def declaration_start(*, structure: Structure, by: User) -> Declaration:
    """Open a draft for ``structure``, pre-filled with the declarant's identity."""
    if not can_declare_for(by, structure):
        raise PermissionDenied(_("You are not a declarant of this structure."))
    return Declaration.objects.create(
        structure=structure,
        created_by=by,
        declarant_name=by.get_full_name(),
        declarant_function=by.job_title,
        declarant_email=by.email,
        declarant_phone=by.phone,
    )


@transaction.atomic
def declaration_save(
    *,
    declaration: Declaration,
    by: User,
    step: str,
    values: Mapping[str, Any],
    raw: Mapping[str, Any] | None = None,
) -> Declaration:
    """Save a step of a draft.

    ``values`` are the fields that validated; ``raw`` is the whole input as typed when
    some fields did not, kept so the declarant finds it again (nothing typed is lost).
    """
    if step not in STEP_BY_SLUG:
        raise ValidationError(_("Unknown step."))
    draft = _locked_draft(declaration, by)
    allowed = set(STEP_BY_SLUG[step].fields)
    vendors: Iterable[Vendor] | None = None
    for name, value in values.items():
        if name not in allowed:
            continue
        if name == "vendors":
            vendors = value
        else:
            setattr(draft, name, value)
    if draft.urgent_help:
        draft.help_needed = True
    data = dict(draft.draft_data)
    if raw:
        data[step] = {key: value for key, value in raw.items() if key != "csrfmiddlewaretoken"}
    else:
        data.pop(step, None)
    draft.draft_data = data
    draft.last_step = step
    draft.save()
    if vendors is not None:
        draft.vendors.set(vendors)
    return draft


@transaction.atomic
def declaration_discard(*, declaration: Declaration, by: User) -> None:
    draft = _locked_draft(declaration, by)
    files = [attachment.file for attachment in draft.attachments.all()]
    draft.delete()
    transaction.on_commit(lambda: [f.delete(save=False) for f in files])


@transaction.atomic
def attachment_add(*, declaration: Declaration, by: User, upload: UploadedFile) -> Attachment:
    draft = _locked_draft(declaration, by)
    existing = draft.attachments.aggregate(total=Sum("size"))["total"] or 0
    checked = check_upload(upload, already=draft.attachments.count(), total_bytes=existing)
    attachment = Attachment(declaration=draft, uploaded_by=by)
    upload_store(attachment, upload, checked)
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: User) -> None:
    _locked_draft(attachment.declaration, by)
    stored = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: stored.delete(save=False))


def reference_next(year: int, *, placeholder: str, topic: str, declaration: Declaration) -> str:
    """Draw the next reference of ``year`` and save ``declaration`` with it: gapless,
    since the counter row stays locked until commit and a rolled-back submission gives
    its number back.

    That lock makes concurrent submissions queue, so it is taken as late as possible: the
    e-mails and notices of the submission are written first with ``placeholder`` where
    the reference goes, and the same statement swaps it in (outbox rows and notices of
    ``topic``) and saves the declaration (the row its save() would write, with the
    reference drawn: only SUBMISSION_FIELDS are sent, the rest of ``declaration`` being
    as stored). The counter is then held only for this statement and the few writes
    that follow it until commit.
    """
    save, save_params = save_sql(
        declaration, SUBMISSION_FIELDS, reference=RawSQL("(SELECT reference FROM drawn)", ())
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH drawn AS (
                INSERT INTO declarations_referencecounter (year, last) VALUES (%s, 1)
                ON CONFLICT (year) DO UPDATE SET last = declarations_referencecounter.last + 1
                -- SSI-<year>-<n>, n on at least five digits (lpad alone would cut more)
                RETURNING 'SSI-' || year || '-'
                    || lpad(last::text, greatest(5, length(last::text)), '0') AS reference
            ), mails AS (
                UPDATE notifications_outgoingemail
                SET subject = replace(subject, %s, reference),
                    body = replace(body, %s, reference)
                FROM drawn WHERE topic = %s
            ), notices AS (
                UPDATE notifications_notification
                SET title = replace(title, %s, reference),
                    body = replace(body, %s, reference)
                FROM drawn WHERE topic = %s
            ), saved AS ({save})
            SELECT reference FROM drawn
            """,  # noqa: S608 (save is Django's own compiled UPDATE)
            [year, *[placeholder, placeholder, topic] * 2, *save_params],
        )
        (reference,) = cursor.fetchone()
    declaration.reference = str(reference)
    return declaration.reference


@transaction.atomic
def declaration_submit(
    *, declaration: Declaration, by: User, at: datetime | None = None
) -> Declaration:
    """Validate, number, route and notify. Raises DeclarationIncomplete with each problem."""
    return _submit(_locked_draft(declaration, by), by, at)


def _recipient(declaration: Declaration, route: Route) -> DeclarationRecipient:
    """The record of one entity alerted (at submission, or when completed facts concern
    it later)."""
    return DeclarationRecipient(
        declaration=declaration,
        kind=route.kind,
        region=route.region,
        email=route.email,
        reasons=route.reasons,
        notice_only=route.notice_only,
    )


# What a submission changes on a declaration as stored (its draft read under lock, or
# the row just inserted): its UPDATE writes these (and updated_at), nothing else.
SUBMISSION_FIELDS = (
    "reference",
    "status",
    "submitted_at",
    "submitted_by",
    "completed_at",
    "draft_data",
)


def _submit(
    draft: Declaration,
    by: User,
    at: datetime | None,
    required: tuple[str, ...] = REQUIRED_FIELDS,
) -> Declaration:
    """Submit ``draft``, a declaration as stored: just inserted, or read under lock, and
    changed since only here (its UPDATE writes SUBMISSION_FIELDS)."""
    problems = declaration_problems(draft, required)
    if problems:
        raise DeclarationIncomplete(problems)
    moment = at or timezone.now()
    routes = declaration_route(draft, at=moment)
    recipients = [_recipient(draft, route) for route in routes]
    # Recipients and messages first (one statement), with a placeholder reference; the
    # number is drawn last, in the statement that saves the declaration with it (see
    # reference_next), then its case is opened.
    placeholder = f"~{secrets.token_hex(8)}~"
    draft.reference = placeholder
    draft.submitted_at = moment
    # A quick declaration (or one taken by the cell) is completed afterwards.
    draft.completed_at = None if declaration_problems(draft) else moment
    _messages_write(_submission_messages(draft, routes, by), recipients)
    draft.status = DeclarationStatus.SUBMITTED
    draft.submitted_by = by
    draft.draft_data = {}
    reference_next(
        moment.astimezone(timezone.get_default_timezone()).year,
        placeholder=placeholder,
        topic=submission_topic(draft),
        declaration=draft,
    )
    for opener in SUBMITTED:
        opener(draft, recipients)
    _carry(draft, "recipients", recipients)
    return draft


def _carry(instance: Any, related: str, objects: list[Any]) -> None:
    """Put the rows just written for ``instance.<related>`` in its prefetch cache, as
    prefetch_related would: who reads them next (the API's answer) reads no query."""
    queryset = getattr(instance, related).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    cache = getattr(instance, "_prefetched_objects_cache", None)
    if cache is None:
        cache = instance._prefetched_objects_cache = {}
    cache[related] = queryset


@transaction.atomic
def declaration_file(
    *,
    structure: Structure,
    by: User,
    values: Mapping[str, Any],
    vendors: Iterable[Vendor] = (),
    external_id: str | None = None,
    source: str = DeclarationSource.API,
    at: datetime | None = None,
) -> tuple[Declaration, bool]:
    """Create and submit a declaration in one go (API). Returns (declaration, created).

    The same ``external_id`` twice from the same account returns its first declaration:
    a portal retrying a call after a timeout never creates a duplicate. Identifiers are
    the caller's own: one that another account used is a fresh one here, so the answer
    says nothing about anybody else's declarations.
    """
    # Rights first: a known external_id must not reveal a declaration to anybody.
    if not can_declare_for(by, structure):
        raise PermissionDenied(_("You are not a declarant of this structure."))
    declaration = Declaration(structure=structure, created_by=by, source=source)
    declaration.external_id = external_id or None
    for name, value in values.items():
        setattr(declaration, name, value)
    if declaration.urgent_help:
        declaration.help_needed = True
    if declaration.external_id is None:
        declaration.save()
    elif not _insert_unless_filed(declaration):
        existing = Declaration.objects.select_related("structure").get(
            created_by=by, external_id=declaration.external_id
        )
        if existing.structure_id != structure.pk:
            raise ValidationError(
                {
                    "external_id": _(
                        "This portal identifier is already used by another of your declarations."
                    )
                }
            )
        return existing, False
    vendors = list(vendors)
    if vendors:
        declaration.vendors.add(*vendors)
    # Just created in this transaction: nobody else can see it, no need to lock it again.
    return _submit(declaration, by, at), True


def _insert_unless_filed(declaration: Declaration) -> bool:
    """Insert ``declaration`` unless its account already filed its external_id (then
    nothing is written and False is returned), in one statement: INSERT ... ON CONFLICT
    DO NOTHING. A concurrent call with the same identifier makes it wait on the unique
    index until that call's transaction ends, then it inserts (rolled back) or yields
    (committed): either way no error aborts the transaction."""
    return insert_unless_conflict(declaration)


@transaction.atomic
def declaration_quick_submit(
    *,
    structure: Structure,
    by: User,
    values: Mapping[str, Any],
    at: datetime | None = None,
) -> Declaration:
    """File a declaration from its first facts (QUICK_REQUIRED): routed, acknowledged
    and its case opened at once, like any other; tasks A-D are completed afterwards
    (``declaration_complete_step``). Raises DeclarationIncomplete with each problem."""
    if not can_declare_for(by, structure):
        raise PermissionDenied(_("You are not a declarant of this structure."))
    moment = at or timezone.now()
    declaration = Declaration(structure=structure, created_by=by, source=DeclarationSource.WEB)
    for name, value in values.items():
        setattr(declaration, name, value)
    declaration.detected_at = declaration.detected_at or moment
    declaration.declarant_email = declaration.declarant_email or by.email
    declaration.help_needed = declaration.help_needed or declaration.urgent_help
    problems = declaration_problems(declaration, QUICK_REQUIRED)
    if problems:
        raise DeclarationIncomplete(problems)
    declaration.save()
    return _submit(declaration, by, moment, required=QUICK_REQUIRED)


def may_complete(user: Any, declaration: Declaration) -> bool:
    """Who completes a submitted declaration: the structure's declarants, or the staff
    who handle it for them (the cell, the HFDS/FSSI; the defence chain for a military
    hospital)."""
    scope = scope_for(user)
    if can_declare_for(user, declaration.structure) and not scope.has(Role.API_INTEGRATION):
        return True
    if declaration.structure.is_military:
        return scope.has(Role.DEFENCE, Role.HFDS)
    return scope.has(Role.ACSS_ANALYST, Role.HFDS)


def completable(declaration: Declaration) -> bool:
    """A submitted declaration still open to completion: a quick one with fields
    missing, or one taken for the structure that it has not confirmed yet."""
    return not declaration.is_draft and (
        declaration.is_incomplete or declaration.awaits_confirmation
    )


@transaction.atomic
def declaration_complete_step(
    *,
    declaration: Declaration,
    by: User,
    step: str,
    values: Mapping[str, Any],
) -> Declaration:
    """Write one step of tasks A-D into a submitted declaration still open to completion
    (see ``completable``). Once nothing is missing, the declaration is complete. Entities
    the completed facts now concern (the ANSM for a medical device, the FSSI for an OIV)
    are alerted like at submission; the apps built on declarations are told (the case's
    timeline records it)."""
    locked = (
        Declaration.objects.select_for_update()
        .select_related("structure__departement__region")
        .get(pk=declaration.pk)
    )
    if not may_complete(by, locked):
        raise PermissionDenied(_("You cannot complete this declaration."))
    if not completable(locked):
        raise ValidationError(_("This declaration is complete: it can no longer be changed."))
    if step not in STEP_BY_SLUG:
        raise ValidationError(_("Unknown step."))
    allowed = set(STEP_BY_SLUG[step].fields)
    changed: list[str] = []
    vendors = None
    for name, value in values.items():
        if name not in allowed:
            continue
        if name == "vendors":
            vendors = list(value)
            if {v.pk for v in vendors} != set(locked.vendors.values_list("pk", flat=True)):
                changed.append(name)
            continue
        if getattr(locked, name) != value:
            changed.append(name)
            setattr(locked, name, value)
    problems = check_dates(locked.detected_at, locked.started_at)
    if problems:
        raise ValidationError(problems)
    locked.help_needed = locked.help_needed or locked.urgent_help
    now = timezone.now()
    was_complete = locked.completed_at is not None
    if not was_complete and not declaration_problems(locked):
        locked.completed_at = now
    locked.save()
    if vendors is not None:
        locked.vendors.set(vendors)
    _route_again(locked, now)
    for handler in COMPLETED:
        handler(locked, by, step, changed, not was_complete and locked.completed_at is not None)
    return locked


def _route_again(declaration: Declaration, at: datetime) -> None:
    """Alert the entities the completed facts now concern that were not alerted yet."""
    alerted = {r.kind: r for r in declaration.recipients.all()}
    routes = []
    for route in declaration_route(declaration, at=at):
        known = alerted.get(route.kind)
        if known is None:
            _recipient(declaration, route).save()
            routes.append(route)
        elif known.notice_only and not route.notice_only:
            # A military hospital's ARS had the notice of existence; care is now
            # affected: it is informed of the case.
            known.notice_only = False
            known.reasons = route.reasons
            known.save(update_fields=["notice_only", "reasons"])
            routes.append(route)
    if routes:
        _messages_write(_route_messages(declaration, routes))


# Told when a submitted declaration is completed or corrected (declaration, by, step
# slug, names of the fields changed, whether it just became complete): the cases app
# writes it on the case's timeline.
Completed = Callable[[Declaration, User, str, list[str], bool], object]
COMPLETED: list[Completed] = []


def on_completed(handler: Completed) -> Completed:
    if handler not in COMPLETED:
        COMPLETED.append(handler)
    return handler


# What happens to a declaration once submitted, inside the submission's transaction:
# the apps built on declarations register here from their AppConfig.ready() (the cases
# app opens the case), so that dependencies run one way (declarations never import
# them). Called in order with the declaration and the recipients just written.
Submitted = Callable[[Declaration, list[DeclarationRecipient]], object]
SUBMITTED: list[Submitted] = []


def on_submitted(handler: Submitted) -> Submitted:
    if handler not in SUBMITTED:
        SUBMITTED.append(handler)
    return handler


# --- notifications -------------------------------------------------------------------

RECIPIENT_ROLES = {
    RecipientKind.ACSS: Role.ACSS_ANALYST,
    RecipientKind.DEFENCE: Role.DEFENCE,
    RecipientKind.FSSI: Role.HFDS,
    RecipientKind.ANSM: Role.ANSM,
}


_PEOPLE_SQL: str | None = None


def _people_sql() -> str:
    """The active accounts holding, now, one of some roles (national ones) or the ARS
    officer's role in some regions: (role, region_id, user_id), ordered as memberships
    are (by person, then role). One fixed statement written once from the models'
    tables: compiled by the ORM it cost more than the rest of the submission's reads."""
    global _PEOPLE_SQL
    if _PEOPLE_SQL is None:
        membership, user = Membership._meta, User._meta

        _PEOPLE_SQL = f"""
            SELECT m.{col(membership, "role")}, m.{col(membership, "region")},
                   m.{col(membership, "user")}
              FROM "{membership.db_table}" m
              JOIN "{user.db_table}" u ON u.{col(user, "id")} = m.{col(membership, "user")}
             WHERE u.{col(user, "is_active")}
               AND m.{col(membership, "starts_at")} <= %(now)s
               AND (m.{col(membership, "revoked_at")} IS NULL
                    OR m.{col(membership, "revoked_at")} > %(now)s)
               AND (m.{col(membership, "role")} = ANY(%(roles)s)
                    OR (m.{col(membership, "role")} = %(ars)s
                        AND m.{col(membership, "region")} = ANY(%(regions)s)))
             ORDER BY u.{col(user, "last_name")}, u.{col(user, "first_name")},
                      u.{col(user, "email")}, m.{col(membership, "role")}
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
    return _PEOPLE_SQL


def _people_by_kind(routes: list[Route]) -> dict[str, list[int]]:
    """The active accounts each route's entity has in the app (an ARS: its officers of
    the region; the cell, the HFDS/FSSI, the ANSM, the defence chain: their role)."""
    people: dict[str, list[int]] = {route.kind: [] for route in routes}
    roles = [
        str(RECIPIENT_ROLES[RecipientKind(r.kind)]) for r in routes if r.kind in RECIPIENT_ROLES
    ]
    regions = [r.region.pk for r in routes if r.kind == RecipientKind.ARS and r.region]
    if not roles and not regions:
        return people
    with connection.cursor() as cursor:
        cursor.execute(
            _people_sql(),
            {
                "now": timezone.now(),
                "roles": roles,
                "ars": str(Role.ARS_OFFICER),
                "regions": regions,
            },
        )
        rows = cursor.fetchall()
    for route in routes:
        if route.kind == RecipientKind.ARS:
            wanted = (str(Role.ARS_OFFICER), route.region.pk if route.region else None)
            people[route.kind] = [user for role, region, user in rows if (role, region) == wanted]
        elif route.kind in RECIPIENT_ROLES:
            role = str(RECIPIENT_ROLES[RecipientKind(route.kind)])
            people[route.kind] = [user for held, _region, user in rows if held == role]
    return people


def declaration_url(declaration: Declaration) -> str:
    return settings.SITE_URL + reverse("declarations:detail", args=[declaration.pk])


def submission_topic(declaration: Declaration) -> str:
    return f"declaration:{declaration.pk}"


Messages = tuple[list[OutgoingEmail | None], list[Notification]]


def _route_messages(declaration: Declaration, routes: list[Route]) -> Messages:
    """The e-mail to each entity of ``routes`` (its mailbox) and the notices to its people
    in the app, built, not saved."""
    topic = submission_topic(declaration)
    people = _people_by_kind(routes)
    emails: list[OutgoingEmail | None] = []
    notices: list[Notification] = []
    url = reverse("declarations:detail", args=[declaration.pk])
    context: dict[str, Any] = {
        "declaration": declaration,
        "structure": declaration.structure,
        "url": settings.SITE_URL + url,  # declaration_url(declaration)
    }
    subject = None
    if any(not route.notice_only for route in routes):
        # The facts and the subject are the same for each entity alerted: rendered once.
        context["facts"] = render_to_string("declarations/email/routed_facts.txt", context)
        subject = email_subject("declarations/email/routed", context)
    for route in routes:
        route_context = {**context, "route": route, "reasons": reason_labels(route.reasons)}
        if route.notice_only:
            emails.append(
                email_build(
                    to=[route.email],
                    template="declarations/email/ars_notice",
                    context=route_context,
                    topic=topic,
                    purpose="ars_notice",
                )
            )
            notices += notifications_build(
                user_ids=people[route.kind],
                title=_("Incident declared by a military hospital in your region"),
                body=_(
                    "%(structure)s declared a security incident (%(reference)s). It is "
                    "handled by the defence chain; you will be informed if care is affected."
                )
                % {"structure": declaration.structure.name, "reference": declaration.reference},
                topic=topic,
            )
            continue
        link = url
        if route.kind == RecipientKind.ARS and declaration.structure.is_military:
            # Care is affected: the ARS follows the case's summary in its queue, never
            # the military hospital's declaration itself.
            link = reverse("cases:queue")
            route_context["url"] = settings.SITE_URL + link
        emails.append(
            email_build(
                to=[route.email],
                template="declarations/email/routed",
                context=route_context,
                topic=topic,
                purpose=f"routed:{route.kind}",
                subject=subject,
                body=routed_body(context["facts"], route_context["reasons"], route_context["url"]),
            )
        )
        notices += notifications_build(
            user_ids=people[route.kind],
            title=_("New declaration %(reference)s — %(structure)s")
            % {"reference": declaration.reference, "structure": declaration.structure.name},
            body=", ".join(reason_labels(route.reasons)),
            url=link,
            topic=topic,
        )
    return emails, notices


def _messages_write(messages: Messages, *rows: Sequence[Model]) -> None:
    """Write the messages, with ``rows`` written at the same time, in one statement; the
    e-mails are handed to the worker once the transaction has committed."""
    emails = [email for email in messages[0] if email is not None]
    insert_together(*rows, emails, messages[1])
    queued = [email.pk for email in emails]
    transaction.on_commit(lambda: emails_dispatch(queued))


def _submission_messages(declaration: Declaration, routes: list[Route], by: User) -> Messages:
    """What a submission sends: each entity alerted is told, the declarant and the
    account that submitted receive the acknowledgement (by e-mail and in the app)."""
    topic = submission_topic(declaration)
    emails, notices = _route_messages(declaration, routes)
    alerted = [
        {"label": _recipient_label(route), "reasons": reason_labels(route.reasons)}
        for route in routes
    ]
    path = reverse("declarations:detail", args=[declaration.pk])
    emails.append(
        email_build(
            to=[declaration.declarant_email, by.email],
            template="declarations/email/acknowledgement",
            context={},
            topic=topic,
            purpose="acknowledgement",
            # The text of the template (acknowledgement.txt, _subject.txt), in Python.
            subject=acknowledgement_subject(declaration.reference),
            body=acknowledgement_body(
                reference=declaration.reference,
                structure=declaration.structure.name,
                urgent=bool(declaration.urgent_help),
                alerted=alerted,
                url=settings.SITE_URL + path,  # declaration_url(declaration)
            ),
        )
    )
    notices += notifications_build(
        users=[by],
        title=_("Declaration %(reference)s received") % {"reference": declaration.reference},
        body=_("Entities alerted: %(entities)s")
        % {"entities": ", ".join(item["label"] for item in alerted)},  # type: ignore[misc]
        url=path,
        topic=topic,
    )
    return emails, notices


def _recipient_label(route: Route) -> str:
    if route.kind == RecipientKind.ARS and route.region is not None:
        label = route.region.ars_name
        if route.notice_only:
            return _("%(ars)s (notice of existence)") % {"ars": label}
        return label
    return str(RecipientKind(route.kind).label)
