"""The signed-in user of each request: the session read by one fixed statement, then the
user and their scope by one more (issue 18). The same people are signed in, with the same
scope, and the second factor is checked afresh on every request as before."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.core.test_scope_sql import scope_before, world_users
from tests.factories import client_for, login_with_mfa
from vigie.core.scoping import scope_for, user_with_scope
from vigie.core.sessions import SessionStore
from vigie.directory.models import User

pytestmark = pytest.mark.django_db


def test_the_user_comes_with_the_same_scope(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, user in world_users(world).items():
        with CaptureQueriesContext(connection) as queries:
            loaded = user_with_scope(user.pk)
            scope = scope_for(loaded)
        assert len(queries.captured_queries) == 1, name
        fresh = User.objects.get(pk=user.pk)
        assert loaded == fresh and loaded.email == fresh.email, name
        assert [getattr(loaded, f.attname) for f in User._meta.concrete_fields] == [
            getattr(fresh, f.attname) for f in User._meta.concrete_fields
        ], name
        assert scope == scope_before(user, monkeypatch), name
    assert user_with_scope(10**9) is None


def test_a_staff_page_costs_the_session_and_one_statement_for_user_and_scope(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    for user in (world.acss, world.ars_ara, world.declarant_lyon, world.director_paris):
        client = client_for(user)
        # /compte/profil/: session, user with scope, the unread counter, the roles held.
        with django_assert_max_num_queries(4):
            response = client.get("/compte/profil/")
        assert response.status_code == 200
        assert user.email in response.content.decode()


def test_a_session_opened_before_the_change_stays_signed_in(world: Any) -> None:
    """Sessions name the backend that signed them in: the former class names still work."""
    client = Client()
    store = DjangoSessionStore()
    store.update(
        {
            "_auth_user_id": str(world.declarant_lyon.pk),
            BACKEND_SESSION_KEY: "allauth.account.auth_backends.AuthenticationBackend",
            "_auth_user_hash": world.declarant_lyon.get_session_auth_hash(),
        }
    )
    store.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    response = client.get("/compte/profil/")
    assert response.status_code == 200
    assert world.declarant_lyon.email in response.content.decode()


def test_expired_unknown_and_deactivated_sessions_are_signed_out(world: Any) -> None:
    client = client_for(world.declarant_lyon)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert SessionStore(key).load()
    assert SessionStore("x" * 32).load() == {}
    User.objects.filter(pk=world.declarant_lyon.pk).update(is_active=False)
    assert client.get("/compte/profil/").status_code == 302
    User.objects.filter(pk=world.declarant_lyon.pk).update(is_active=True)
    assert client.get("/compte/profil/").status_code == 200
    DjangoSessionStore.get_model_class().objects.filter(session_key=key).update(
        expire_date="2000-01-01T00:00:00Z"
    )
    assert SessionStore(key).load() == {}
    assert client.get("/compte/profil/").status_code == 302


def test_a_removed_device_is_seen_on_the_next_request(world: Any) -> None:
    """The scope and the second factors are read afresh for each request, never cached."""
    client = login_with_mfa(Client(), world.acss)
    assert client.get("/compte/profil/").status_code == 200
    Authenticator.objects.filter(user=world.acss).delete()
    response = client.get("/compte/profil/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/2fa/")
