"""Writes on lessons learned. Each function runs in one transaction; pghistory records
every change of Retex and AnonymisedRetex (who and when come from the context)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from vigie.cases import workflow
from vigie.cases.models import Case
from vigie.core.scoping import scope_for
from vigie.directory.models import User
from vigie.retex import anonymise
from vigie.retex.models import (
    RETEX_FIELDS,
    AnonymisedRetex,
    PublicationStatus,
    Retex,
    RetexStatus,
)


def can_write_retex(user: Any, case: Case) -> bool:
    """Whoever the action table's "retex" row names: the ACSS, the HFDS/FSSI or the
    officers of the case's ARS, on a case they may read (written once it is closed)."""
    return workflow.may("retex", scope_for(user), case)


def can_publish(user: Any) -> bool:
    """Anonymisation and publication to the community: ACSS and HFDS/FSSI."""
    return scope_for(user).has("acss_analyst", "hfds")


def _check_writer(case: Case, by: User) -> None:
    refused = workflow.refusal("retex", scope_for(by), case)
    if refused is None:
        return
    if refused.forbidden:
        raise PermissionDenied(
            _("Only the ACSS, the HFDS/FSSI or the case's ARS write its lessons learned.")
        )
    raise ValidationError(refused.message)


@transaction.atomic
def retex_write(
    *,
    case: Case,
    by: User,
    causes: str = "",
    aggravating_factors: str = "",
    difficulties: str = "",
    measures_taken: str = "",
    recommendations: str = "",
    similar_cases: Iterable[Case] = (),
) -> Retex:
    """Create or update the RETEX of a closed case."""
    case = Case.objects.select_related("structure__departement").get(pk=case.pk)
    _check_writer(case, by)
    values = {
        "causes": causes.strip(),
        "aggravating_factors": aggravating_factors.strip(),
        "difficulties": difficulties.strip(),
        "measures_taken": measures_taken.strip(),
        "recommendations": recommendations.strip(),
    }
    if not any(values.values()):
        raise ValidationError(_("Fill in at least one section of the lessons learned."))
    similar = [c for c in similar_cases if c.pk != case.pk]
    allowed = set(
        Case.objects.visible_to(by)
        .filter(pk__in=[c.pk for c in similar])
        .values_list("pk", flat=True)
    )
    if len(allowed) != len({c.pk for c in similar}):
        raise PermissionDenied(_("You may only link cases you can read."))
    with pghistory.context(user=by.pk, action="retex_write"):
        retex = Retex.objects.select_for_update().filter(case=case).first()
        if retex is None:
            retex = Retex(case=case, author=by)
        for name, value in values.items():
            setattr(retex, name, value)
        retex.save()
        # The writer chooses among the cases it reads; links another writer made to
        # cases this one cannot read stay as they are (it never saw them).
        unseen = retex.similar_cases.exclude(pk__in=Case.objects.visible_to(by).values("pk"))
        retex.similar_cases.set([*similar, *unseen])
    return retex


@transaction.atomic
def retex_share(*, retex: Retex, by: User) -> Retex:
    """Put the RETEX in the ACSS–ARS sharing base."""
    locked = (
        Retex.objects.select_for_update()
        .select_related("case__structure__departement")
        .get(pk=retex.pk)
    )
    _check_writer(locked.case, by)
    if locked.is_shared:
        raise ValidationError(_("These lessons learned are already shared."))
    with pghistory.context(user=by.pk, action="retex_share"):
        locked.status = RetexStatus.SHARED
        locked.shared_at = timezone.now()
        locked.shared_by = by
        locked.save()
    return locked


def _unique_slug(title: str, exclude_pk: int | None) -> str:
    base = slugify(title)[:70] or "retex"
    slug, n = base, 1
    others = AnonymisedRetex.objects.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    while others.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def anonymised_retex_prepare(
    *, retex: Retex, by: User, known: anonymise.KnownNames | None = None
) -> AnonymisedRetex:
    """Run the anonymiser over a shared RETEX: a draft awaiting a person's review."""
    if not can_publish(by):
        raise PermissionDenied(_("Only the ACSS or the HFDS/FSSI anonymise lessons learned."))
    retex = Retex.objects.select_related("case__declaration__incident_type").get(pk=retex.pk)
    if not retex.is_shared:
        raise ValidationError(_("Share the lessons learned before anonymising them."))
    existing = AnonymisedRetex.objects.filter(retex=retex).first()
    if existing is not None and existing.is_published:
        raise ValidationError(_("These lessons learned are already published."))
    known = known or anonymise.known_names_from_database()
    incident_type = retex.case.declaration.incident_type
    title = (
        _("Lessons learned: %(type)s") % {"type": incident_type.label}
        if incident_type
        else _("Lessons learned")
    )
    publication = existing or AnonymisedRetex(retex=retex, prepared_by=by)
    with pghistory.context(user=by.pk, action="anonymised_retex_prepare"):
        publication.title = publication.title or title
        publication.slug = publication.slug or _unique_slug(title, publication.pk)
        publication.incident_type = incident_type
        for name in RETEX_FIELDS:
            setattr(publication, name, anonymise.anonymise(getattr(retex, name), known=known))
        publication.prepared_by = by
        publication.prepared_at = timezone.now()
        publication.save()
    return publication


@transaction.atomic
def anonymised_retex_publish(
    *, publication: AnonymisedRetex, by: User, reviewed: bool, title: str, **texts: str
) -> AnonymisedRetex:
    """Publish after review: the reviewer confirms having read the redacted text side by
    side with the original; identifiers with a certain shape must be gone."""
    if not can_publish(by):
        raise PermissionDenied(_("Only the ACSS or the HFDS/FSSI publish lessons learned."))
    locked = AnonymisedRetex.objects.select_for_update().get(pk=publication.pk)
    if locked.is_published:
        raise ValidationError(_("These lessons learned are already published."))
    unknown = set(texts) - set(RETEX_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    if not reviewed:
        raise ValidationError(
            {"reviewed": _("Confirm that you have reviewed the anonymised text.")}
        )
    if not title.strip():
        raise ValidationError({"title": _("Give the publication a title.")})
    errors: dict[str, str] = {}
    for name in RETEX_FIELDS:
        value = texts.get(name, getattr(locked, name)).strip()
        left = anonymise.residual_identifiers(value)
        if left:
            errors[name] = _("Still identifying: %(items)s") % {
                "items": ", ".join(sorted({f.text(value) for f in left}))
            }
        setattr(locked, name, value)
    if errors:
        raise ValidationError(errors)
    with pghistory.context(user=by.pk, action="anonymised_retex_publish"):
        locked.title = title.strip()
        locked.status = PublicationStatus.PUBLISHED
        locked.reviewed_by = by
        locked.published_at = timezone.now()
        locked.save()
    return locked
