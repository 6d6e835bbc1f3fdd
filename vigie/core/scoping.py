"""The one place that decides what a user may read.

Every read in Vigie starts from ``Model.objects.visible_to(user)`` (or
``visible_to(queryset, user)``). Each model registers one rule with ``@scope_rule(Model)``;
a model without a rule is invisible to everybody (fail closed), so a new model cannot
leak by being forgotten.

A user's rights come from their active memberships (directory.Membership) and from being
the director of a structure; ``scope_for(user)`` computes them once per request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.utils import timezone

from vigie.core.roles import Role
from vigie.core.sql import col

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

ScopeRow = tuple[str, int | None, int | None, int | None]
_SCOPE_SQL: str | None = None


def _scope_sql() -> str:
    """The one fixed statement behind every request's scope, written once from the models'
    tables: the active memberships, the active structures directed and the second factors
    set up (read by the MFA middleware; the authenticator's id rides in structure_id).
    Built by hand rather than by the ORM, which compiled it anew on every request."""
    global _SCOPE_SQL
    if _SCOPE_SQL is None:
        from allauth.mfa.models import Authenticator

        # The directory's models, by name: core sits beneath the apps (no import of them).
        membership = apps.get_model("directory", "Membership")._meta
        structure = apps.get_model("directory", "Structure")._meta
        authenticator = Authenticator._meta

        _SCOPE_SQL = f"""
            SELECT {col(membership, "role")}, {col(membership, "structure")},
                   {col(membership, "region")}, {col(membership, "vendor")}
              FROM "{membership.db_table}"
             WHERE {col(membership, "user")} = %(user)s
               AND {col(membership, "starts_at")} <= %(now)s
               AND ({col(membership, "revoked_at")} IS NULL
                    OR {col(membership, "revoked_at")} > %(now)s)
            UNION ALL
            SELECT '{_DIRECTOR}', {col(structure, "id")}, NULL, NULL
              FROM "{structure.db_table}"
             WHERE {col(structure, "director")} = %(user)s AND {col(structure, "is_active")}
            UNION ALL
            SELECT CASE WHEN {col(authenticator, "type")} = %(totp)s THEN '{_TOTP}'
                        ELSE '{_RECOVERY_CODES}' END,
                   {col(authenticator, "id")}, NULL, NULL
              FROM "{authenticator.db_table}"
             WHERE {col(authenticator, "user")} = %(user)s
               AND {col(authenticator, "type")} IN (%(totp)s, %(recovery_codes)s)
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
    return _SCOPE_SQL


def _scope_rows(user_id: int) -> list[ScopeRow]:
    """(role or marker, structure_id, region_id, vendor_id) rows of ``user_id``'s scope."""
    with connection.cursor() as cursor:
        cursor.execute(_scope_sql(), scope_params(user_id))
        return [tuple(row) for row in cursor.fetchall()]


def scope_params(user_id: Any = None) -> dict[str, Any]:
    from allauth.mfa.models import Authenticator

    return {
        "user": user_id,
        "now": timezone.now(),
        "totp": Authenticator.Type.TOTP.value,
        "recovery_codes": Authenticator.Type.RECOVERY_CODES.value,
    }


def scope_for(user: User | AnonymousUser | None) -> Scope:
    """Compute (and cache on the user object) the scope of ``user``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_SCOPE
    cached = getattr(user, "_vigie_scope", None)
    if cached is not None:
        return cached
    # One round trip for every request (none when the user came with it: user_with_scope).
    return _scope_cache(user, _scope_rows(user.pk))


def _scope_cache(user: Any, rows: Iterable[ScopeRow]) -> Scope:
    """The scope of ``user`` from its rows, cached on the user object."""
    roles: set[str] = set()
    declarant: set[int] = set()
    member: set[int] = set()
    regions: set[int] = set()
    vendors: set[int] = set()
    directed: set[int] = set()
    has_totp = False
    mfa_ids: set[int] = set()
    for role, structure_id, region_id, vendor_id in rows:
        if role in (_TOTP, _RECOVERY_CODES):
            has_totp = has_totp or role == _TOTP
            mfa_ids.add(structure_id)  # type: ignore[arg-type]
            continue
        if role == _DIRECTOR:
            directed.add(structure_id)  # type: ignore[arg-type]
            continue
        roles.add(role)
        if role == Role.DECLARANT:
            declarant.add(structure_id)  # type: ignore[arg-type]
        elif role == Role.STRUCTURE_MEMBER:
            member.add(structure_id)  # type: ignore[arg-type]
        elif role == Role.ARS_OFFICER:
            regions.add(region_id)  # type: ignore[arg-type]
        elif role == Role.VENDOR_CONTACT:
            vendors.add(vendor_id)  # type: ignore[arg-type]
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


_USER_SQL: tuple[str, list[str]] | None = None


def _user_sql() -> tuple[str, list[str]]:
    """The user's row joined to the rows of their scope (see _scope_sql), and the names
    of the user's fields in the order of its columns."""
    global _USER_SQL
    if _USER_SQL is None:
        user = get_user_model()._meta
        fields = [f.attname for f in user.concrete_fields]
        columns = ", ".join(f'u."{f.column}"' for f in user.concrete_fields)
        pk = f'u."{user.pk.column}"'
        sql = f"""
            SELECT {columns}, s.*
              FROM "{user.db_table}" u
              LEFT JOIN LATERAL ({_scope_sql()}) s ON TRUE
             WHERE {pk} = %(user)s
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
        _USER_SQL = (sql, fields)
    return _USER_SQL


def scope_sql_joined(user_column: str) -> str:
    """The scope's statement for the user whose id is ``user_column`` of an outer
    statement, to be joined LATERAL: its rows are ScopeRow, NULL when it has none. Run
    with scope_params() (its user parameter unused)."""
    return _scope_sql().replace("%(user)s", user_column)


def scope_attach(user: Any, rows: Iterable[ScopeRow]) -> Scope:
    """Cache on ``user`` the scope read with it (the rows of scope_sql_joined, the all-NULL
    row of a user without any left out), as scope_for would have computed it."""
    return _scope_cache(user, (row for row in rows if row[0] is not None))


def user_with_scope(user_id: Any) -> Any:
    """The user ``user_id`` (None if there is none) with their scope already computed:
    the signed-in user of every request, read in one statement with what they may see
    and the second factors the MFA middleware checks (vigie/core/backends.py)."""
    sql, fields = _user_sql()
    width = len(fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, scope_params(user_id))
        rows = cursor.fetchall()
    if not rows:
        return None
    user = get_user_model().from_db(connection.alias, fields, rows[0][:width])
    scope_attach(user, (row[width:] for row in rows))
    return user


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
