"""Writes on reference data and people. Each function is one transaction."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from vigie.core.scoping import forget_scope, scope_for
from vigie.directory.models import (
    Membership,
    Region,
    Role,
    Structure,
    User,
    Vendor,
)


def _check_manage_structure(by: User, structure: Structure) -> None:
    scope = scope_for(by)
    if not (scope.is_administrator or structure.pk in scope.directed_structure_ids):
        raise PermissionDenied(
            _("Only the director of the structure or an administrator can do this.")
        )


@transaction.atomic
def declarant_designate(*, structure: Structure, user: User, by: User) -> Membership:
    """The director designates ``user`` to declare incidents for ``structure``.

    The delegation is dated and stays on record after revocation (pghistory).
    """
    _check_manage_structure(by, structure)
    existing = (
        Membership.objects.active()
        .filter(user=user, role=Role.DECLARANT, structure=structure)
        .first()
    )
    if existing:
        return existing
    membership = Membership.objects.create(
        user=user, role=Role.DECLARANT, structure=structure, granted_by=by
    )
    forget_scope(user)
    return membership


@transaction.atomic
def membership_grant(
    *,
    user: User,
    role: Role | str,
    by: User | None,
    structure: Structure | None = None,
    region: Region | None = None,
    vendor: Vendor | None = None,
) -> Membership:
    """Give ``user`` a role. Only an administrator grants national and regional roles."""
    role = Role(role)
    by_administrator = False
    if by is not None:
        scope = scope_for(by)
        by_administrator = scope.is_administrator
        allowed = scope.is_administrator or (
            role in (Role.DECLARANT, Role.STRUCTURE_MEMBER)
            and structure is not None
            and structure.pk in scope.directed_structure_ids
        )
        if not allowed:
            raise PermissionDenied(_("You are not allowed to grant this role."))
        if by.pk == user.pk:
            raise PermissionDenied(SELF_GRANT_MESSAGE)
    membership = Membership(
        user=user, role=role, structure=structure, region=region, vendor=vendor, granted_by=by
    )
    try:
        membership.full_clean(exclude=["user", "granted_by"])
    except ValidationError as exc:
        raise ValidationError(
            _("This role must be attached to %(target)s.")
            % {"target": _required_target_label(role)}
        ) from exc
    existing = (
        Membership.objects.active()
        .filter(user=user, role=role, structure=structure, region=region, vendor=vendor)
        .first()
    )
    if existing:
        return existing
    with pghistory.context(user=by.pk if by is not None else None):
        membership.save()
        if role == Role.ADMINISTRATOR:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(administrators_group())
    forget_scope(user)
    if by is not None and by_administrator:
        grant_announce(by=by, user=user, what=membership_label(membership))
    return membership


SELF_GRANT_MESSAGE = _lazy("You cannot grant a role to yourself: another administrator must do it.")


def membership_label(membership: Membership) -> str:
    """The role and what it is attached to, as shown to administrators."""
    target = membership.structure or membership.region or membership.vendor
    label = str(Role(membership.role).label)
    return f"{label} ({target})" if target else label


def administrators(*, excluding: User | None = None) -> list[User]:
    """Active administrators and superusers, but ``excluding``."""
    holders = Membership.objects.active().filter(role=Role.ADMINISTRATOR).values("user_id")
    people = User.objects.filter(Q(pk__in=holders) | Q(is_superuser=True), is_active=True)
    if excluding is not None:
        people = people.exclude(pk=excluding.pk)
    return list(people.order_by("pk"))


def grant_announce(*, by: User, user: User, what: str) -> None:
    """Tell the other administrators that ``by`` granted ``what`` to ``user``: in the app
    and by e-mail (queued in the grant's transaction, sent after it commits). Nobody
    raises rights unseen, not even an administrator."""
    # notifications sits above directory (it imports its models): imported on use.
    from vigie.notifications.services import email_queue, notification_create

    readers = administrators(excluding=by)
    if not readers:
        return
    path = reverse("admin:directory_user_change", args=[user.pk])
    context = {"by": by, "user": user, "what": what, "link": f"{settings.SITE_URL}{path}"}
    notification_create(
        users=readers,
        title=_("Rights granted by an administrator"),
        body=_("%(by)s granted %(what)s to %(user)s.") % context,
        url=path,
        topic=f"grant:{user.pk}",
    )
    email_queue(
        to=[reader.email for reader in readers],
        template="directory/email/grant_notice",
        context={**context, "site_url": settings.SITE_URL},
        topic=f"grant:{user.pk}",
        purpose="grant",
    )


# Apps whose data the platform operator manages in the Django admin. Case content is
# deliberately absent: administrators never read cases by default.
ADMINISTERED_APPS = ("directory", "dsfr")
# Other models operators maintain: the incident typology, and the e-mail outbox (metadata).
ADMINISTERED_MODELS = (
    ("declarations", "incidenttype"),
    ("notifications", "outgoingemail"),
    ("api", "apitoken"),  # list and revoke API tokens (never their keys)
    ("portal", "bulletin"),  # the public portal's content
    ("portal", "reflexsheet"),
    ("portal", "guide"),
    ("portal", "providerlistentry"),
)


def administrators_group() -> Group:
    """The Django group giving administrators the admin permissions on reference data."""
    group, _created = Group.objects.get_or_create(name="Administrateurs Vigie")
    administered = Q(content_type__app_label__in=ADMINISTERED_APPS)
    for app_label, model in ADMINISTERED_MODELS:
        administered |= Q(content_type__app_label=app_label, content_type__model=model)
    group.permissions.set(
        Permission.objects.filter(administered).exclude(content_type__model__endswith="event")
    )
    return group


def _required_target_label(role: Role) -> str:
    if role in (Role.DECLARANT, Role.STRUCTURE_MEMBER):
        return _("a structure")
    if role == Role.ARS_OFFICER:
        return _("a region")
    if role == Role.VENDOR_CONTACT:
        return _("a vendor")
    return _("no structure, region or vendor")


@transaction.atomic
def membership_revoke(*, membership: Membership, by: User, reason: str) -> Membership:
    """End a role (for a declarant: revoke the director's delegation)."""
    scope = scope_for(by)
    allowed = scope.is_administrator or (
        membership.structure_id is not None
        and membership.structure_id in scope.directed_structure_ids
    )
    if not allowed:
        raise PermissionDenied(_("You are not allowed to revoke this role."))
    if not reason.strip():
        raise ValidationError({"reason": _("Please give the reason for the revocation.")})
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.revocation_reason = reason.strip()
    locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    forget_scope(locked.user)
    return locked


@transaction.atomic
def declarant_designate_person(
    *,
    structure: Structure,
    by: User,
    email: str,
    first_name: str,
    last_name: str,
    job_title: str = "",
    phone: str = "",
    request: HttpRequest | None = None,
) -> tuple[Membership, bool]:
    """Designate a person by e-mail, opening an account for them when they have none.

    A new account gets no password: an invitation to choose one is e-mailed after commit.
    Returns the delegation and whether an account was created.
    """
    _check_manage_structure(by, structure)
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            job_title=job_title.strip(),
            phone=phone.strip(),
        )
        transaction.on_commit(lambda: account_invite(user=user, request=request))
    membership = declarant_designate(structure=structure, user=user, by=by)
    return membership, created


def account_invite(*, user: User, request: HttpRequest | None = None) -> None:
    """E-mail ``user`` a link to choose a password (allauth's reset-from-key page)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    base = request.build_absolute_uri("/").rstrip("/") if request else settings.SITE_URL
    context = {"user": user, "link": f"{base}{path}", "site_url": settings.SITE_URL}
    send_mail(
        subject=render_to_string("directory/email/invitation_subject.txt", context).strip(),
        message=render_to_string("directory/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
