"""Statements compiled once by the ORM (vigie/core/prepared.py): the rows are the ORM's,
the marks are checked, and the case page's scoped read keyed by the reader's scope
follows a change of rights at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Count, Exists, OuterRef, Q
from django.test import Client
from django.utils import timezone

from tests.cases.test_case_detail_sql import values
from tests.core.test_scope_sql import world_users
from tests.factories import login_with_mfa
from vigie.cases import selectors
from vigie.cases.models import Case
from vigie.core.prepared import Prepared, forget_prepared, mark, prepared
from vigie.core.roles import Role
from vigie.core.scoping import forget_scope
from vigie.declarations.models import Declaration
from vigie.directory.models import Membership, Structure, User

pytestmark = pytest.mark.django_db


def test_rows_are_the_orms_rows_with_related_objects_and_annotations(world: Any) -> None:
    def build() -> Any:
        return (
            Structure.objects.select_related("departement__region", "director")
            .annotate(members=Count("memberships"))
            .filter(Q(pk=mark(0)) | Q(director_id=mark(1)))
            .order_by("pk")
        )

    statement = Prepared(build())
    for structure in Structure.objects.all():
        expected = list(
            Structure.objects.select_related("departement__region", "director")
            .annotate(members=Count("memberships"))
            .filter(Q(pk=structure.pk) | Q(director_id=world.director_paris.pk))
            .order_by("pk")
        )
        got = statement.rows(structure.pk, world.director_paris.pk)
        assert [values(s) for s in got] == [values(s) for s in expected]
        assert [(values(s.departement), values(s.departement.region)) for s in got] == [
            (values(s.departement), values(s.departement.region)) for s in expected
        ]
        assert [values(s.director) for s in got] == [values(s.director) for s in expected]
        assert [s.members for s in got] == [s.members for s in expected]
    assert statement.rows(-1, -1) == []


def state(obj: Any, seen: frozenset[int] = frozenset()) -> Any:
    """What an instance holds: its columns read, its state, the related objects cached
    (an object met again on the way, a one-to-one's back link, by its model and id)."""
    if obj is None:
        return None
    if id(obj) in seen:
        return ("again", type(obj), obj.pk)
    columns = {k: v for k, v in vars(obj).items() if k != "_state"}
    cached = obj._state.fields_cache
    return (
        type(obj),
        columns,
        obj._state.adding,
        obj._state.db,
        sorted(obj.get_deferred_fields()),
        {name: state(value, seen | {id(obj)}) for name, value in cached.items()},
    )


def test_instances_are_made_as_from_db_makes_them(
    world: Any, make_case: Callable[..., Case]
) -> None:
    """The instances are made without Model.__init__ when it would only store the values:
    the same columns, state, deferred fields and related objects as the ORM's; a deferred
    column is read when asked, and the instance saves as any other."""
    make_case(world.lyon, world.declarant_lyon)
    make_case(world.reunion, world.declarant_reunion)

    def build() -> Any:
        return (
            Case.objects.select_related("structure__departement", "declaration", "qualified_by")
            .only(
                "reference",
                "status",
                "structure__name",
                "structure__departement__code",
                "declaration__software",
                "qualified_by__email",
            )
            .filter(pk__gt=mark(0))
            .order_by("pk")
        )

    got = Prepared(build()).rows(0)
    expected = list(build().filter(pk__gt=0))
    assert len(got) == 2
    assert [state(c) for c in got] == [state(c) for c in expected]
    assert got[0].get_deferred_fields() >= {"opened_at", "criticity"}
    assert got[0].opened_at == Case.objects.get(pk=got[0].pk).opened_at  # read when asked
    got[0].reference = "SSI-TEST-1"
    got[0].save(update_fields=["reference"])
    assert Case.objects.get(pk=got[0].pk).reference == "SSI-TEST-1"


def test_instances_follow_init_signals_and_models_with_more_to_do(
    world: Any, make_case: Callable[..., Case]
) -> None:
    """Whoever listens to post_init gets every instance (made by Model.__init__ then); a
    model whose column has another kind of attribute (a file) is made by from_db."""
    from django.db.models.signals import post_init

    from vigie.actionplan.models import Evidence
    from vigie.core.prepared import _maker, instance_maker

    make_case(world.lyon, world.declarant_lyon)
    seen: list[Any] = []

    def listen(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(instance)

    statement = Prepared(Case.objects.select_related("structure").filter(pk__gt=mark(0)))
    fields = Structure._meta.concrete_fields
    make = instance_maker(Structure, [f.attname for f in fields])
    row = [getattr(world.lyon, f.attname) for f in fields]
    assert make("default", row).__dict__.keys() == world.lyon.__dict__.keys()
    post_init.connect(listen, sender=Structure)
    try:
        (case,) = statement.rows(0)
        made = make("default", row)
    finally:
        post_init.disconnect(listen, sender=Structure)
    assert seen == [case.structure, made]
    assert _maker(Evidence, ["id", "file"]) is None
    assert _maker(Case, ["id", "reference"]) is not None


def test_marks_are_checked() -> None:
    with pytest.raises(ValueError, match="twice"):
        Prepared(Structure.objects.filter(Q(pk=mark(0)) | Q(director_id=mark(0))))
    with pytest.raises(ValueError, match="mark"):
        Prepared(Structure.objects.filter(pk=mark(1)))
    with pytest.raises(ValueError, match="prefetch"):
        Prepared(Structure.objects.prefetch_related("memberships").filter(pk=mark(0)))
    with pytest.raises(ValueError):
        mark(64)
    statement = Prepared(Structure.objects.filter(pk=mark(0)))
    with pytest.raises(TypeError):
        statement.rows()


def test_a_rule_that_selects_nothing_reads_nothing(world: Any) -> None:
    statement = Prepared(Case.objects.visible_to(world.admin).filter(pk=mark(0)))
    assert statement.rows(1) == []


def test_the_case_read_is_the_orms_for_every_reader(
    world: Any, make_case: Callable[..., Case], make_user: Callable[..., User]
) -> None:
    world.declarant_military = make_user(Role.DECLARANT, structure=world.military)
    cases = [
        make_case(world.lyon, world.declarant_lyon),
        make_case(world.military, world.declarant_military, care_impact="actual"),
        make_case(world.reunion, world.declarant_reunion),
    ]
    forget_prepared()
    read = 0
    for name, user in world_users(world).items():
        for case in cases:
            for _round in range(2):  # compiled, then from the cache
                fresh = User.objects.get(pk=user.pk)
                fast = selectors.case_detail(fresh, case.pk, declaration_readable=True)
                orm = (
                    Case.objects.visible_to(fresh)
                    .annotate(
                        readable=Exists(
                            Declaration.objects.visible_to(fresh).filter(
                                pk=OuterRef("declaration_id")
                            )
                        )
                    )
                    .filter(pk=case.pk)
                    .first()
                )
                assert (fast is None) == (orm is None), (name, case.reference)
                if fast is None or orm is None:
                    continue
                read += 1
                assert values(fast) == values(orm)
                assert getattr(fast, selectors.DECLARATION_READABLE) == orm.readable, name
    assert read >= 2 * len(cases)


def test_a_right_taken_away_is_applied_at_the_next_request(
    world: Any, make_case: Callable[..., Case]
) -> None:
    case = make_case(world.lyon, world.declarant_lyon)
    client = login_with_mfa(Client(), world.member_lyon)
    url = f"/dossiers/{case.pk}/"
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=world.member_lyon).update(revoked_at=timezone.now())
    forget_scope(world.member_lyon)
    assert client.get(url).status_code == 404


def test_an_id_out_of_range_is_not_found(world: Any) -> None:
    client = login_with_mfa(Client(), world.acss)
    assert client.get("/dossiers/99999999999999999999999/").status_code == 404
    assert selectors.case_detail(world.acss, 2**63) is None


def test_the_cache_keeps_one_statement_per_key() -> None:
    forget_prepared()
    built = []

    def build() -> Any:
        built.append(1)
        return Structure.objects.filter(pk=mark(0))

    first = prepared(("test", 1), build)
    assert prepared(("test", 1), build) is first
    assert prepared(("test", 2), build) is not first
    assert len(built) == 2


def test_planned_statements_are_prepared_once_and_counted_like_any_other() -> None:
    from django.db import ProgrammingError, connection, transaction
    from django.test.utils import CaptureQueriesContext

    from vigie.core.sql import planned_cursor

    sql = "SELECT %(n)s::int + 1 AS planned_test"
    with CaptureQueriesContext(connection) as captured:
        for n in (1, 2, 3):
            with planned_cursor() as cursor:
                cursor.execute(sql, {"n": n})
                assert cursor.fetchone() == (n + 1,)
    assert len(captured) == 3  # counted and logged as Django's own
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%planned_test%"],
        )
        assert cursor.fetchone() == (1,)  # parsed and planned once for the three runs
    # Errors are Django's, and the connection goes on.
    with pytest.raises(ProgrammingError), transaction.atomic(), planned_cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM directory_structure")
    with planned_cursor() as cursor:
        cursor.execute(sql, {"n": 5})
        assert cursor.fetchone() == (6,)


def test_more_values_than_marks_stand_for_themselves() -> None:
    from vigie.core.prepared import MARKS_MAX, Marks

    marks = Marks(MARKS_MAX + 1)
    assert not marks.enabled
    assert marks.int(5) == 5 and marks.text("x") == "x" and marks.values == []
    marks = Marks(2)
    assert marks.int(5) == mark(0) and marks.values == [5]


def test_a_planned_statement_is_one_select() -> None:
    import pghistory
    from django.db import ProgrammingError, transaction

    from vigie.core.sql import planned_cursor

    with pytest.raises(ProgrammingError), planned_cursor() as cursor:
        cursor.execute("WITH x AS (SELECT 1) SELECT * FROM x")
    # Inside a request pghistory tracks a context: a SELECT is left as it is.
    with pghistory.context(user=None), transaction.atomic(), planned_cursor() as cursor:
        cursor.execute("SELECT %(n)s::int", {"n": 4})
        assert cursor.fetchone() == (4,)
