"""Writes on reference data and people. Each function is one transaction."""

from __future__ import annotations

from datetime import timedelta

import pghistory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.core.scoping import forget_scope, scope_for
from vigie.directory.models import (
    INVITATION_TOKEN_SALT,
    INVITATION_VALIDITY_DAYS,
    Invitation,
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


SELF_GRANT_MESSAGE = gettext_lazy(
    "You cannot grant a role to yourself: another administrator must do it."
)


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


# --- designations: an invitation the person accepts from the address it was sent to ------


def invitation_token(invitation: Invitation) -> str:
    """The signed, URL-safe key of the invitation's link (it says nothing without the
    server's secret; being single-use is the invitation's state)."""
    return signing.dumps(invitation.pk, salt=INVITATION_TOKEN_SALT)


@transaction.atomic
def declarant_invite(
    *,
    structure: Structure,
    by: User,
    email: str,
    first_name: str,
    last_name: str,
    job_title: str = "",
    phone: str = "",
) -> Invitation:
    """The director designates a person by e-mail address: nothing is granted yet.

    The address receives a signed single-use link; the delegation exists once the person
    accepts from that address's account (see invitation_accept). What happens here, and
    what the director is told, is the same whether or not an account exists for the
    address: the director learns nothing about other people's accounts. A newer
    invitation to the same address for the same structure replaces the older one.
    """
    from vigie.notifications.services import email_queue  # notifications sits above

    _check_manage_structure(by, structure)
    email = email.strip().lower()
    now = timezone.now()
    Invitation.objects.filter(
        structure=structure, email=email, accepted_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)
    invitation = Invitation.objects.create(
        structure=structure,
        role=Role.DECLARANT,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        job_title=job_title.strip(),
        phone=phone.strip(),
        invited_by=by,
        expires_at=now + timedelta(days=INVITATION_VALIDITY_DAYS),
    )
    path = reverse("directory:invitation_accept", args=[invitation_token(invitation)])
    email_queue(
        to=[email],
        template="directory/email/invitation",
        context={
            "invitation": invitation,
            "structure": structure,
            "inviter": by.get_full_name() or by.email,
            "link": f"{settings.SITE_URL}{path}",
            "site_url": settings.SITE_URL,
        },
        topic=f"invitation:{invitation.pk}",
        purpose="invitation",
    )
    return invitation


def invitation_refusal(invitation: Invitation) -> str | None:
    """Why the invitation can no longer be accepted (None: it can)."""
    if invitation.accepted_at is not None:
        return _("This invitation has already been used.")
    if invitation.cancelled_at is not None:
        return _(
            "This invitation was replaced by a newer one: use the link of the last e-mail "
            "you received."
        )
    if invitation.is_expired:
        return _(
            "This invitation has expired: ask the director of the structure to designate you again."
        )
    return None


def address_account(email: str) -> User | None:
    """The account of ``email``: the one that verified it, else the one opened with it
    (by the operator). An address merely typed into another account never counts."""
    verified = (
        EmailAddress.objects.filter(email__iexact=email.strip(), verified=True)
        .select_related("user")
        .first()
    )
    if verified is not None:
        return verified.user
    return User.objects.filter(email__iexact=email.strip()).first()


def owns_address(user: User, email: str) -> bool:
    """``email`` is ``user``'s: verified on the account, or the account's own address
    that nobody else verified."""
    email = email.strip().lower()
    verified = EmailAddress.objects.filter(email__iexact=email, verified=True)
    if verified.filter(user=user).exists():
        return True
    return user.email.lower() == email and not verified.exists()


def _address_verify(user: User, email: str) -> None:
    """Following the link e-mailed to ``email`` proved ``user`` reads that mailbox."""
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=not has_primary)
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    # Other accounts' unverified claims on the address lapse.
    EmailAddress.objects.filter(email__iexact=email, verified=False).exclude(user=user).delete()


WRONG_ACCOUNT_MESSAGE = gettext_lazy(
    "This invitation was sent to another address than the one of your account. Sign out, "
    "then open the link again to accept it with the account of that address (or to open "
    "one)."
)


def _accept(invitation: Invitation, user: User) -> Membership:
    inviter = invitation.invited_by
    refused = PermissionDenied(
        _(
            "The person who designated you no longer manages this structure: ask its "
            "director to designate you again."
        )
    )
    if inviter is None:
        raise refused
    try:
        membership = declarant_designate(structure=invitation.structure, user=user, by=inviter)
    except PermissionDenied as exc:
        raise refused from exc
    _address_verify(user, invitation.email)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.membership = membership
    invitation.save(update_fields=["accepted_at", "accepted_by", "membership"])
    return membership


def _open_invitation(invitation: Invitation) -> Invitation:
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("structure", "invited_by")
        .get(pk=invitation.pk)
    )
    refusal = invitation_refusal(locked)
    if refusal:
        raise ValidationError(refusal, code="closed")
    return locked


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """``user`` accepts: the delegation takes effect if the invitation was sent to an
    address of theirs (the link in hand proves they read that mailbox)."""
    locked = _open_invitation(invitation)
    if not owns_address(user, locked.email):
        raise PermissionDenied(WRONG_ACCOUNT_MESSAGE)
    return _accept(locked, user)


@transaction.atomic
def invitation_accept_new_account(
    *, invitation: Invitation, password: str, first_name: str, last_name: str
) -> User:
    """The designated person has no account: one is opened for the invitation's address,
    verified by the link, with the password they chose, and the delegation takes effect."""
    locked = _open_invitation(invitation)
    if address_account(locked.email) is not None:
        raise ValidationError(
            _("An account already exists for this address: sign in to accept the invitation.")
        )
    person = User(email=locked.email, first_name=first_name.strip(), last_name=last_name.strip())
    try:
        validate_password(password, user=person)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user = User.objects.create_user(
        email=locked.email,
        password=password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        job_title=locked.job_title,
        phone=locked.phone,
    )
    _accept(locked, user)
    return user
