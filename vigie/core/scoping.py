"""The one place that decides what a user may read.

Every read in Vigie starts from ``Model.objects.visible_to(user)`` (or
``visible_to(queryset, user)``). Each model registers one rule with ``@scope_rule(Model)``;
a model without a rule is invisible to everybody (fail closed), so a new model cannot
leak by being forgotten.

A user's rights come from their active memberships (directory.Membership) and from being
the director of a structure; ``scope_for(user)`` computes them once per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from django.apps import apps
from django.db import models
from django.db.models import Case, F, IntegerField, Value, When

from vigie.core.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from vigie.directory.models import User

M = TypeVar("M", bound=models.Model)
Rule = Callable[[models.QuerySet[Any], "Scope"], models.QuerySet[Any]]
_RULES: dict[type[models.Model], Rule] = {}


@dataclass(frozen=True)
class Scope:
    """What a user is entitled to see, derived from memberships."""

    user_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    # Structures the user may declare for (director or designated declarant).
    declarant_structure_ids: frozenset[int] = field(default_factory=frozenset)
    # Structures the user belongs to as SSI correspondent.
    member_structure_ids: frozenset[int] = field(default_factory=frozenset)
    # Structures the user directs (may designate declarants).
    directed_structure_ids: frozenset[int] = field(default_factory=frozenset)
    ars_region_ids: frozenset[int] = field(default_factory=frozenset)
    vendor_ids: frozenset[int] = field(default_factory=frozenset)
    is_superuser: bool = False
    # A TOTP authenticator is set up (not a right: the MFA middleware reads it).
    has_totp: bool = False
    # The current second factors (TOTP, recovery codes): a session counts as having passed
    # MFA only if it proved one of these, so a replaced device voids older proofs.
    mfa_authenticator_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def structure_ids(self) -> frozenset[int]:
        return self.declarant_structure_ids | self.member_structure_ids

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.has("administrator")

    @property
    def is_national(self) -> bool:
        """ACSS, HFDS/FSSI, DGS, ANSM or defence chain: national case roles."""
        return self.has("acss_analyst", "hfds", "dgs", "ansm", "defence")

    @property
    def is_staff_role(self) -> bool:
        """Roles that must authenticate with a second factor."""
        return self.is_superuser or self.has(
            "acss_analyst", "ars_officer", "hfds", "dgs", "ansm", "defence", "administrator"
        )


ANONYMOUS_SCOPE = Scope()


def role_scope(
    role: str, *, region_id: int | None = None, structure_id: int | None = None
) -> Scope:
    """What anybody holding ``role`` (for ``region_id`` or ``structure_id``) may read:
    the scope of a functional mailbox, or of the worker acting for the role. Its user is
    nobody in particular (no account has the id 0)."""
    return Scope(
        user_id=0,
        roles=frozenset({role}),
        ars_region_ids=frozenset() if region_id is None else frozenset({region_id}),
        declarant_structure_ids=(
            frozenset() if structure_id is None else frozenset({structure_id})
        ),
    )


# Markers of the non-membership rows of scope_for's one query.
_DIRECTOR = "~director"
_TOTP = "~totp"
_RECOVERY_CODES = "~recovery_codes"


def scope_for(user: User | AnonymousUser | None) -> Scope:
    """Compute (and cache on the user object) the scope of ``user``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_SCOPE
    cached = getattr(user, "_vigie_scope", None)
    if cached is not None:
        return cached

    from allauth.mfa.models import Authenticator

    # The directory's models, by name: core sits beneath the apps (no import of them).
    Membership = apps.get_model("directory", "Membership")
    Structure = apps.get_model("directory", "Structure")

    roles: set[str] = set()
    declarant: set[int] = set()
    member: set[int] = set()
    regions: set[int] = set()
    vendors: set[int] = set()
    directed: set[int] = set()
    has_totp = False
    mfa_ids: set[int] = set()
    # One round trip for every request: the memberships, the structures directed and
    # the second factors set up (read by the MFA middleware; the id rides in structure_id).
    memberships = (
        Membership.objects.active()
        .filter(user_id=user.pk)
        .order_by()
        .values_list("role", "structure_id", "region_id", "vendor_id")
    )
    directs = (
        Structure.objects.filter(director_id=user.pk, is_active=True)
        .order_by()
        .annotate(
            role=Value(_DIRECTOR),
            region_id=Value(None, IntegerField()),
            vendor_id=Value(None, IntegerField()),
        )
        .values_list("role", "pk", "region_id", "vendor_id")
    )
    second_factors = (
        Authenticator.objects.filter(
            user_id=user.pk,
            type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES],
        )
        .order_by()
        .annotate(
            role=Case(
                When(type=Authenticator.Type.TOTP, then=Value(_TOTP)),
                default=Value(_RECOVERY_CODES),
            ),
            structure_id=F("pk"),
            region_id=Value(None, IntegerField()),
            vendor_id=Value(None, IntegerField()),
        )
        .values_list("role", "structure_id", "region_id", "vendor_id")
    )
    rows = memberships.union(directs, second_factors, all=True)
    for role, structure_id, region_id, vendor_id in rows:
        if role in (_TOTP, _RECOVERY_CODES):
            has_totp = has_totp or role == _TOTP
            mfa_ids.add(structure_id)
            continue
        if role == _DIRECTOR:
            directed.add(structure_id)
            continue
        roles.add(role)
        if role == Role.DECLARANT:
            declarant.add(structure_id)
        elif role == Role.STRUCTURE_MEMBER:
            member.add(structure_id)
        elif role == Role.ARS_OFFICER:
            regions.add(region_id)
        elif role == Role.VENDOR_CONTACT:
            vendors.add(vendor_id)
    if directed:
        roles.add(Role.DECLARANT)
        declarant |= directed
    scope = Scope(
        user_id=user.pk,
        roles=frozenset(roles),
        declarant_structure_ids=frozenset(declarant),
        member_structure_ids=frozenset(member),
        directed_structure_ids=frozenset(directed),
        ars_region_ids=frozenset(regions),
        vendor_ids=frozenset(vendors),
        is_superuser=bool(user.is_superuser),
        has_totp=has_totp,
        mfa_authenticator_ids=frozenset(mfa_ids),
    )
    user.__dict__["_vigie_scope"] = scope
    return scope


def forget_scope(user: Any) -> None:
    """Drop a cached scope after the user's memberships changed."""
    # scope_for caches in the object's own __dict__; for request.user (a lazy object)
    # that is the wrapper's, where ``del`` cannot reach (it deletes on the wrapped user).
    vars(user).pop("_vigie_scope", None)
    wrapped = vars(user).get("_wrapped")
    if wrapped is not None and hasattr(wrapped, "__dict__"):
        vars(wrapped).pop("_vigie_scope", None)


def scope_rule(model: type[models.Model]) -> Callable[[Rule], Rule]:
    """Register the visibility rule of ``model``."""

    def register(rule: Rule) -> Rule:
        if model in _RULES:
            raise RuntimeError(f"A scope rule is already registered for {model.__name__}")
        _RULES[model] = rule
        return rule

    return register


def visible_to(queryset: models.QuerySet[M], user: Any) -> models.QuerySet[M]:
    """Filter ``queryset`` to the rows ``user`` may read."""
    model = queryset.model
    rule = _RULES.get(model)
    concrete = model._meta.concrete_model
    if rule is None and model._meta.proxy and concrete is not None:
        # Proxy models share their concrete model's rule.
        rule = _RULES.get(concrete)
    if rule is None:
        return queryset.none()
    return rule(queryset, scope_for(user))


def registered_models() -> list[type[models.Model]]:
    return list(_RULES)


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    """QuerySet with ``visible_to(user)``; use it as the default manager of every model."""

    def visible_to(self, user: Any) -> Self:
        return visible_to(self, user)  # type: ignore[return-value]
