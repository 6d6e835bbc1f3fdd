"""Writes on API tokens. The key is shown once, at creation; only its SHA-256 is kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.api.models import ApiToken
from vigie.core.mfa import requires_mfa
from vigie.core.scoping import scope_attach, scope_for, scope_params, scope_sql_joined
from vigie.directory.models import Role, User
from vigie.directory.services import membership_grant

KEY_BYTES = 32  # 256 bits of randomness: guessing is hopeless, a fast hash is enough
PREFIX_LENGTH = 8
# last_used_at is written at most this often, so authentication stays a read.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def mfa_missing(user: User) -> bool:
    """The account's role requires a second factor and it has none set up."""
    return requires_mfa(user) and not scope_for(user).has_totp


def _check_administrator(by: User | None) -> None:
    # by=None is the operator at the command line (manage.py create_api_token).
    if by is not None and not scope_for(by).is_administrator:
        raise PermissionDenied(_("Only an administrator can manage API tokens."))


@transaction.atomic
def api_token_create(*, user: User, name: str, by: User | None) -> tuple[ApiToken, str]:
    """Issue a token acting as ``user``. Returns (token, key): the key is never stored."""
    _check_administrator(by)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Please name the token (who or what uses it).")})
    if not user.is_active:
        raise ValidationError(_("This account is deactivated."))
    if mfa_missing(user):
        raise ValidationError(
            _(
                "This account's role requires two-factor authentication and it has none set "
                "up: it gets an API token once an authenticator application is set up on it."
            )
        )
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken.objects.create(
        name=name,
        user=user,
        key_prefix=key[:PREFIX_LENGTH],
        key_hash=key_hash(key),
        created_by=by,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User | None) -> ApiToken:
    """Revoke ``token`` at once; an administrator or the token's own user may do it."""
    if by is not None and by.pk != token.user_id:
        _check_administrator(by)
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = by
        locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


def api_token_authenticate(key: str) -> ApiToken | None:
    """The live token whose key is ``key`` (None when unknown), its use recorded.

    The lookup is by hash, so the time it takes says nothing about the stored keys;
    the final comparison is constant-time all the same. Revoked tokens and inactive
    users are returned as they are: the caller says why it refuses them.
    """
    digest = key_hash(key)
    token = _token_with_user_and_scope(digest)
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        return None
    now = timezone.now()
    if token.revoked_at is None and (
        token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


_TOKEN_SQL: tuple[str, list[str], list[str]] | None = None


def _token_with_user_and_scope(digest: str) -> ApiToken | None:
    """The token whose key hashes to ``digest``, its user and the user's scope (which the
    MFA check and every read of the request use), in one fixed statement: the ORM
    compiled the token's query anew for each API call, and the scope came after it."""
    global _TOKEN_SQL
    if _TOKEN_SQL is None:
        token, user = ApiToken._meta, User._meta
        token_fields = [f.attname for f in token.concrete_fields]
        user_fields = [f.attname for f in user.concrete_fields]
        token_user: Any = token.get_field("user")
        columns = ", ".join(
            [f't."{f.column}"' for f in token.concrete_fields]
            + [f'u."{f.column}"' for f in user.concrete_fields]
        )
        key_column: Any = token.get_field("key_hash")
        sql = f"""
            SELECT {columns}, s.*
              FROM "{token.db_table}" t
              JOIN "{user.db_table}" u ON u."{user.pk.column}" = t."{token_user.column}"
              LEFT JOIN LATERAL ({scope_sql_joined(f't."{token_user.column}"')}) s ON TRUE
             WHERE t."{key_column.column}" = %(key_hash)s
        """  # noqa: S608 (identifiers from the models' metadata; every value is bound)
        _TOKEN_SQL = (sql, token_fields, user_fields)
    sql, token_fields, user_fields = _TOKEN_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, {**scope_params(), "key_hash": digest})
        rows = cursor.fetchall()
    if not rows:
        return None
    first, width = rows[0], len(token_fields) + len(user_fields)
    found = ApiToken.from_db(connection.alias, token_fields, first[: len(token_fields)])
    owner = User.from_db(connection.alias, user_fields, first[len(token_fields) : width])
    scope_attach(owner, (row[width:] for row in rows))
    found.user = owner
    return found


@transaction.atomic
def integration_account_create(*, email: str, name: str = "") -> User:
    """The service account of the national portal: no password, API tokens only."""
    user = User.objects.create_user(email=email, password=None, last_name=name)
    membership_grant(user=user, role=Role.API_INTEGRATION, by=None)
    return user
