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

from django.db import models

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


def scope_for(user: User | AnonymousUser | None) -> Scope:
    """Compute (and cache on the user object) the scope of ``user``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_SCOPE
    cached = getattr(user, "_vigie_scope", None)
    if cached is not None:
        return cached

    from vigie.directory.models import Membership, Role, Structure

    roles: set[str] = set()
    declarant: set[int] = set()
    member: set[int] = set()
    regions: set[int] = set()
    vendors: set[int] = set()
    memberships = Membership.objects.active().filter(user_id=user.pk)
    for role, structure_id, region_id, vendor_id in memberships.values_list(
        "role", "structure_id", "region_id", "vendor_id"
    ):
        roles.add(role)
        if role == Role.DECLARANT:
            declarant.add(structure_id)
        elif role == Role.STRUCTURE_MEMBER:
            member.add(structure_id)
        elif role == Role.ARS_OFFICER:
            regions.add(region_id)
        elif role == Role.VENDOR_CONTACT:
            vendors.add(vendor_id)
    directed = set(
        Structure.objects.filter(director_id=user.pk, is_active=True).values_list("pk", flat=True)
    )
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
    )
    user.__dict__["_vigie_scope"] = scope
    return scope


def forget_scope(user: Any) -> None:
    """Drop a cached scope after the user's memberships changed."""
    if hasattr(user, "_vigie_scope"):
        del user._vigie_scope


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
