"""Synthetic dataset for `make bench`: structures, submitted declarations and their cases.

Rows go in through PostgreSQL COPY with triggers (pghistory) and foreign-key checks off
for the COPY statements only. Sizes: BENCH_STRUCTURES (100 000), BENCH_CASES (1 000 000),
spread over BENCH_YEARS (10) years ending now. Run again, it adds as many to what an
earlier run made (bench/run.sh grows the small dataset into the large one so): the same
distributions, new FINESS numbers and references.
"""

from __future__ import annotations

import os
import random
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigie.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, Exists, OuterRef  # noqa: E402
from django.utils import timezone  # noqa: E402
from tqdm import tqdm  # noqa: E402

from vigie.cases.models import Case  # noqa: E402
from vigie.declarations.models import DeclarationRecipient, IncidentType  # noqa: E402
from vigie.directory.finess import OVERSEAS_PREFIXES, with_check_key  # noqa: E402
from vigie.directory.models import (  # noqa: E402
    Departement,
    Region,
    Structure,
    StructureKind,
    User,
    Vendor,
)
from vigie.insights.clock import owed_by_declaration  # noqa: E402
from vigie.insights.models import Obligation  # noqa: E402
from vigie.insights.services import SYNC_WINDOW, reminder_lead  # noqa: E402

SEED = 20261123
KINDS = [k.value for k in StructureKind]
KIND_WEIGHTS = [60, 1, 12, 3, 14, 10]
SOFTWARE = ["DPI Orbis", "Hopital Manager", "PACS Carestream", "Sillage", "Easily", "Cerner", ""]
SYSTEMS = ["{servers}", "{workstations,servers}", "{messaging}", "{business_software}"]
OPEN_STATUSES = ["awaiting_qualification", "to_process", "to_close"]
BATCH_NOTE = "bench"

Row = dict[str, Any]


def columns(table: str) -> list[tuple[str, bool, str, bool]]:
    """(name, nullable, data type, has default) of every column, in order."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT column_name, is_nullable = 'YES', data_type, "
            "column_default IS NOT NULL OR is_identity = 'YES' "
            "FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
            [table],
        )
        return list(cur.fetchall())


def filler(data_type: str, now: datetime) -> Any:
    """A value for a NOT NULL column the generator does not care about."""
    if data_type in ("character varying", "text"):
        return ""
    if data_type == "boolean":
        return False
    if data_type in ("integer", "bigint", "smallint"):
        return 0
    if data_type == "ARRAY":
        return "{}"
    if data_type in ("jsonb", "json"):
        return "{}"
    if data_type.startswith("timestamp"):
        return now
    raise ValueError(data_type)


def copy_rows(table: str, rows: Iterator[Row], total: int, now: datetime) -> None:
    cols = columns(table)
    if not cols:
        sys.exit(f"no table {table}")
    names = [c[0] for c in cols]
    defaults = {name: None if null else filler(kind, now) for name, null, kind, _d in cols}
    sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no triggers, no FK checks
        try:
            with cur.copy(sql) as copy:
                for row in tqdm(rows, total=total, desc=table, unit="row", mininterval=1.0):
                    copy.write_row([row.get(name, defaults[name]) for name in names])
        finally:
            # Never left on: the connection may serve other work (tests) afterwards.
            cur.execute("SET session_replication_role = DEFAULT")


def finess_numbers(departements: list[Departement], rng: random.Random) -> Callable[[Any], str]:
    """A unique valid FINESS ET number in the given département, away from real ranges,
    after those an earlier run gave."""
    serials: dict[str, int] = {}
    made = (
        Structure.objects.filter(name__startswith="Structure bench")
        .values("departement__code")
        .annotate(n=Count("pk"))
    )
    taken = {row["departement__code"]: row["n"] for row in made}
    prefixes = {code: prefix for prefix, code in OVERSEAS_PREFIXES.items()}

    def make(dep: Departement) -> str:
        prefix = prefixes.get(dep.code, dep.code)
        width = 8 - len(prefix)
        start = 10 ** (width - 1) * 8  # 800000 or 8000
        serial = serials.get(dep.code, start + taken.get(dep.code, 0))
        serials[dep.code] = serial + 1
        if serial >= 10**width:
            raise ValueError(f"too many structures in {dep.code}")
        return with_check_key(f"{prefix}{serial:0{width}d}")

    return make


def main() -> None:
    generate(
        int(os.environ.get("BENCH_STRUCTURES", "100000")),
        int(os.environ.get("BENCH_CASES", "1000000")),
        int(os.environ.get("BENCH_YEARS", "10")),
    )


def generate(n_structures: int, n_cases: int, years: int = 10, vacuum: bool = True) -> None:
    """Adds ``n_structures`` structures and ``n_cases`` cases; ``vacuum``: VACUUM ANALYZE
    at the end (outside a transaction only), else ANALYZE."""
    now = timezone.now()
    span = timedelta(days=365 * years).total_seconds()

    deps = [
        d
        for d in Departement.objects.select_related("region")
        if d.code in {v for v in OVERSEAS_PREFIXES.values()} or len(d.code) <= 2
    ]
    regions = {r.pk: r for r in Region.objects.all()}
    types = list(IncidentType.objects.values_list("pk", flat=True))
    for i in range(20):
        Vendor.objects.get_or_create(name=f"Éditeur bench {i:02d}")
    vendors = list(Vendor.objects.values_list("pk", flat=True))
    author, _ = User.objects.get_or_create(
        email="bench-author@vigie.test", defaults={"last_name": "Bench"}
    )

    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM directory_structure")
        first_structure = cur.fetchone()[0] + 1
        cur.execute("SELECT coalesce(max(id), 0) FROM declarations_declaration")
        first_declaration = cur.fetchone()[0] + 1
        cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
        first_case = cur.fetchone()[0] + 1
    # A run that grows an earlier dataset draws other numbers from the same distributions.
    rng = random.Random(SEED + first_case - 1)

    make_finess = finess_numbers(deps, rng)
    structure_region: list[int] = []
    structure_kind: list[str] = []

    def structures() -> Iterator[Row]:
        for i in range(n_structures):
            dep = rng.choice(deps)
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            structure_region.append(dep.region_id)
            structure_kind.append(kind)
            yield {
                "id": first_structure + i,
                "finess": make_finess(dep),
                "name": f"Structure bench {first_structure + i}",
                "kind": kind,
                "departement_id": dep.pk,
                "town": dep.name,
                "nis2_category": "none",
                "is_oiv": i % 50 == 0,
                "is_active": True,
            }

    copy_rows("directory_structure", structures(), n_structures, now)

    # Opening times, oldest first, so that ids grow with time as in real life.
    opened = sorted(now.timestamp() - rng.random() * span for _ in range(n_cases))
    tz = now.tzinfo

    def declaration_of(i: int) -> Row:
        at = datetime.fromtimestamp(opened[i], tz)
        s = rng.randrange(n_structures)
        return {"at": at, "s": s}

    plan = [declaration_of(i) for i in range(n_cases)]

    def declarations() -> Iterator[Row]:
        for i, p in enumerate(plan):
            at = p["at"]
            yield {
                "id": first_declaration + i,
                "status": "submitted",
                "reference": f"BEN-{at.year}-{first_declaration + i:07d}",
                "source": "web",
                "structure_id": first_structure + p["s"],
                "created_by_id": author.pk,
                "submitted_by_id": author.pk,
                "created_at": at - timedelta(minutes=20),
                "updated_at": at,
                "submitted_at": at,
                # Kept in the plan: the case carries it too (Case.detected_at).
                "detected_at": p.setdefault("detected", at - timedelta(hours=rng.randint(1, 72))),
                # Kept in the plan too: the case carries them (Case.incident_type, malicious).
                "incident_type_id": p.setdefault("type", rng.choice(types)),
                "systems_affected": rng.choice(SYSTEMS),
                "software": rng.choice(SOFTWARE),
                "declarant_name": "Déclarant Bench",
                "declarant_email": "declarant@bench.test",
                "declarant_phone": "01 00 00 00 00",
                "care_impact": rng.choice(["none", "potential", "actual"]),
                "malicious": p.setdefault("malicious", rng.choice(["yes", "no", "unknown"])),
                "can_handle_alone": rng.choice(["yes", "no", "unknown"]),
                "description": f"Incident synthétique {first_declaration + i} pour le banc.",
                "tlp": "amber",
                "draft_data": "{}",
            }

    copy_rows("declarations_declaration", declarations(), n_cases, now)

    def recipients() -> Iterator[Row]:
        for i, p in enumerate(plan):
            region = regions[structure_region[p["s"]]]
            yield {
                "declaration_id": first_declaration + i,
                "kind": "ars",
                "region_id": region.pk,
                "email": region.ssi_mailbox,
                "reasons": "{bench}",
            }
            yield {
                "declaration_id": first_declaration + i,
                "kind": "acss",
                "email": "cyberveille@sante.gouv.fr",
                "reasons": "{bench}",
            }

    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM declarations_declarationrecipient")
        first_recipient = cur.fetchone()[0] + 1

    def numbered(rows: Iterator[Row], first: int) -> Iterator[Row]:
        for n, row in enumerate(rows):
            row["id"] = first + n
            yield row

    copy_rows(
        "declarations_declarationrecipient",
        numbered(recipients(), first_recipient),
        2 * n_cases,
        now,
    )

    def vendor_links() -> Iterator[Row]:
        for i in range(0, n_cases, 3):
            yield {"declaration_id": first_declaration + i, "vendor_id": vendors[i % len(vendors)]}

    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM declarations_declaration_vendors")
        first_link = cur.fetchone()[0] + 1
    copy_rows(
        "declarations_declaration_vendors",
        numbered(vendor_links(), first_link),
        (n_cases + 2) // 3,
        now,
    )

    recent = now - timedelta(days=90)

    def cases() -> Iterator[Row]:
        for i, p in enumerate(plan):
            at = p["at"]
            kind = structure_kind[p["s"]]
            is_open = at > recent or rng.random() < 0.005
            status = rng.choice(OPEN_STATUSES) if is_open else "closed"
            qualified = status != "awaiting_qualification"
            row: Row = {
                "id": first_case + i,
                "declaration_id": first_declaration + i,
                "reference": f"BEN-{at.year}-{first_declaration + i:07d}",
                "structure_id": first_structure + p["s"],
                "region_id": structure_region[p["s"]],
                "is_military": kind == "military_hospital",
                "structure_kind": kind,
                "status": status,
                "opened_at": at + timedelta(minutes=1),
                "detected_at": p["detected"],
                "submitted_at": at,
                "incident_type_id": p["type"],
                "malicious": p["malicious"],
                "version": 1,
                "updated_at": at,
                "outcomes": "{}",
            }
            if qualified:
                row["qualified_at"] = at + timedelta(hours=rng.randint(1, 48))
                row["qualified_by_id"] = author.pk
                row["criticity"] = rng.choice(["not_incident", "serious", "significant"])
                row["outcomes"] = "{b2}"
                row["support_mode"] = rng.choice(["cell", "shared", "ars"])
            if status == "to_process":
                row["ars_update_due_at"] = now + timedelta(days=rng.randint(-10, 7))
            if status == "closed":
                row["closed_at"] = at + timedelta(days=rng.randint(2, 60))
                row["closed_by_id"] = author.pk
            yield row

    copy_rows("cases_case", cases(), n_cases, now)

    with connection.cursor() as cur:
        for table in (
            "directory_structure",
            "declarations_declaration",
            "declarations_declarationrecipient",
            "declarations_declaration_vendors",
            "cases_case",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
    obligations(now)
    with connection.cursor() as cur:
        # As in a running system, where autovacuum has long caught up: otherwise it vacuums
        # the freshly loaded tables during the measurement, on the same CPUs, and
        # index-only scans read the heap until it is done.
        print("VACUUM ANALYZE…" if vacuum else "ANALYZE…", flush=True)
        cur.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
    print(f"{n_structures} structures, {n_cases} declarations and cases over {years} years.")


def obligations(now: datetime) -> None:
    """The state a running Vigie would be in: the recent open cases have the obligations
    the clock owes them, reminders already sent for those due. Otherwise the worker's
    first `obligations_remind` catches up on every one of them during the measurement."""
    recent = (
        Case.objects.exclude(status="closed")
        .filter(opened_at__gte=now - SYNC_WINDOW)
        .filter(~Exists(Obligation.objects.filter(case_id=OuterRef("pk"))))
        .select_related("declaration__structure__departement__region")
    )
    routed: dict[int, set[str]] = defaultdict(set)
    for declaration_id, kind in DeclarationRecipient.objects.filter(
        declaration__case__in=recent
    ).values_list("declaration_id", "kind"):
        routed[declaration_id].add(kind)
    lead = now + reminder_lead()
    rows: list[Obligation] = []
    total = recent.count()
    for case in tqdm(recent.iterator(chunk_size=2000), total=total, desc="insights_obligation"):
        for item in owed_by_declaration(
            case.declaration,
            health_products=case.involves_health_products,
            routed_to=frozenset(routed[case.declaration_id]),
        ):
            reminded = item.done_at is None and item.due_at <= lead
            rows.append(
                Obligation(
                    case=case,
                    kind=item.kind,
                    due_at=item.due_at,
                    done_at=item.done_at,
                    reminded_at=now if reminded else None,
                )
            )
    Obligation.objects.bulk_create(rows, batch_size=5000)


if __name__ == "__main__":
    main()
