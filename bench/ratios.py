"""Issue 18's targets as ratios, measured in one run: `make bench` (bench/run.sh).

``ratios.py small`` measures what must not grow with the data on the small dataset and
keeps it in BENCH_STATE; bench/generate.py then grows the same dataset to the large size
and ``ratios.py large`` measures everything else, compares with the small figures and
writes BENCHMARKS.md (keeping its hand-written "Cuts measured in process" section).

- In process (bench/inproc.py; CPU): the floors F_session and F_drf, the app's session
  floor, the layout page, GET by reference, the submit, the case page.
- Through gunicorn (BENCH_URL; latency): the queue, the case page, the dashboard and the
  action plan's regional view, p95 against 2 × (the page's hand-written SQL p95 + the
  layout page's p95), the three interleaved request by request.
- Growth: each page and the similar-case lookup at the large size against the small one
  (web + PostgreSQL CPU per call, in process).
- Quarterly report: its figures against their hand-written SQL; the PDF's time and where
  it goes (WeasyPrint sampled).
- Peers: the queue's count, a search and the statistics at the large size against
  TheHive 4's published figures.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from bench import inproc  # sets Django up, DEBUG off
from bench.inproc import Cost, expect, get
from tests.factories import login_with_mfa
from vigie.actionplan.catalogue import shipped_plans_load
from vigie.actionplan.figures import compute_figures
from vigie.actionplan.models import Plan
from vigie.actionplan.reports import previous_snapshot, render_pdf, report_context, snapshot_take
from vigie.api.services import api_token_create, integration_account_create
from vigie.cases import services as case_services
from vigie.cases.models import Case
from vigie.cases.selectors import similar_open_cases
from vigie.directory.models import Region, Role, Structure, User
from vigie.directory.services import membership_grant

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
CALLS = int(os.environ.get("BENCH_CALLS", "20"))
PAGE_REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", "100"))
STATE = Path(os.environ.get("BENCH_STATE", str(ROOT / "var" / "bench-small.json")))
OUTPUT = Path(os.environ.get("BENCH_OUTPUT", str(ROOT / "BENCHMARKS.md")))
KEPT_FROM = "## Cuts measured in process"

# TheHive 4's published figures (milliseconds, number of cases).
PEERS = {
    "count": (4000, 5_000, "4–7 s to count 5,000 cases"),
    "search": (11970, 12_580, "11.97 s to search 12,580 cases"),
    "statistics": (60000, 15_000, "60 s of statistics at 15,000 cases"),
}


@dataclass
class Row:
    target: str
    measured: str
    ratio: float | None = None
    limit: float | None = None
    key: str = ""  # stable, for tests/ops/test_bench_ratios.py

    @property
    def verdict(self) -> str:
        if self.ratio is None or self.limit is None:
            return ""
        return "PASS" if self.ratio <= self.limit else "MISS"


@dataclass
class Bench:
    """Who measures what, found (or made) in the database."""

    acss: User
    ars: User
    region: Region
    portal: User
    key: str
    plan: Plan | None
    case: Case  # open, with a timeline, questions and tracking entries
    similar: list[Case] = field(default_factory=list)
    clients: dict[str, Client] = field(default_factory=dict)

    def client(self, user: User) -> Client:
        if user.email not in self.clients:
            self.clients[user.email] = login_with_mfa(Client(), user)
        return self.clients[user.email]


def member(email: str, role: Role, **target: Any) -> User:
    """A user with one role (made once); staff sign in past MFA with login_with_mfa."""
    user, created = User.objects.get_or_create(email=email, defaults={"last_name": email})
    if created:
        membership_grant(user=user, role=role, by=None, **target)
    return user


def bench_context() -> Bench:
    # The region with the most départements (the generator spreads structures evenly over
    # départements): the same at both sizes, whatever the draw.
    region = Region.objects.annotate(n=Count("departements")).order_by("-n", "pk").first()
    assert region is not None
    acss = member("bench-acss@vigie.test", Role.ACSS_ANALYST)
    ars = member(f"bench-ars-{region.code}@vigie.test", Role.ARS_OFFICER, region=region)
    portal = User.objects.filter(email="bench-portal@vigie.test").first()
    if portal is None:
        portal = integration_account_create(email="bench-portal@vigie.test", name="Bench")
    _token, key = api_token_create(user=portal, name=f"bench {uuid.uuid4().hex[:6]}", by=None)
    if not Plan.objects.exists():
        shipped_plans_load()
    bench = Bench(acss, ars, region, portal, key, Plan.objects.first(), case=Case())
    bench.case = realistic_case(bench)
    # The first open cases made: the same ones on the small dataset and once it has grown.
    bench.similar = list(Case.objects.open().exclude(pk=bench.case.pk).order_by("pk")[:20])
    return bench


def submission(n: int, finess: str) -> dict[str, Any]:
    return {
        "structure_finess": finess,
        "external_id": f"BENCH-{uuid.uuid4().hex}",
        "declarant_name": "Claire Martin",
        "declarant_function": "RSSI",
        "declarant_email": "claire.martin@bench.test",
        "declarant_phone": "04 72 00 00 00",
        "detected_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "incident_type": "ransomware",
        "systems_affected": ["servers", "workstations"],
        "care_impact": "potential",
        "malicious": "yes",
        "can_handle_alone": "no",
        "help_needed": True,
        "description": f"Chiffrement des serveurs (banc {n}).",
    }


def bench_finess(bench: Bench) -> str:
    structure = (
        Structure.objects.filter(is_active=True, departement__region=bench.region)
        .exclude(kind="military_hospital")
        .order_by("pk")
        .first()
    )
    assert structure is not None
    return structure.finess


def realistic_case(bench: Bench) -> Case:
    """An open case as analysts see it a few days in: submitted through the API, taken,
    qualified, support chosen, questions asked (one answered), tracking entries."""
    existing = Case.objects.filter(declaration__external_id="BENCH-REALISTIC").first()
    if existing is not None:
        return existing
    api = Client()
    payload = submission(0, bench_finess(bench)) | {"external_id": "BENCH-REALISTIC"}
    answer = expect(
        api.post(
            "/api/v1/declarations",
            payload,
            content_type="application/json",
            headers={"Authorization": f"Bearer {bench.key}"},
        ),
        201,
    )
    case = Case.objects.get(declaration__reference=answer.json()["reference"])
    by = bench.acss
    case_services.case_take(case=case, by=by)
    case = case_services.case_qualify(
        case=case, by=by, version=None, criticity="serious", outcomes=["b2"], note="Rançongiciel."
    )
    case = case_services.case_choose_support(
        case=case, by=bench.ars, version=None, mode="shared", reason="Appui de la cellule demandé."
    )
    declarant = member("bench-declarant@vigie.test", Role.DECLARANT, structure=case.structure)
    for n in range(3):
        question = case_services.case_ask(
            case=case, by=by, text=f"Question {n} : quels serveurs sont chiffrés ?"
        )
        if n == 0:
            case_services.case_answer(question=question, by=declarant, answer="Les serveurs DPI.")
    for kind in ("analysis", "containment", "isolation", "note", "analysis"):
        case_services.case_track(case=case, by=by, kind=kind, text=f"Entrée {kind} du suivi.")
    return Case.objects.get(pk=case.pk)


# --- the pages -------------------------------------------------------------------------


def page_paths(bench: Bench) -> dict[str, tuple[User, str]]:
    """The pages whose latency and growth are measured: (reader, path)."""
    paths = {
        "queue (/dossiers/)": (bench.acss, "/dossiers/"),
        "case page (/dossiers/<id>/)": (bench.acss, f"/dossiers/{bench.case.pk}/"),
        "dashboard (/statistiques/)": (bench.ars, "/statistiques/"),
    }
    if bench.plan is not None:
        paths["action plan, regional view (/plan-action/region/<code>/)"] = (
            bench.ars,
            f"/plan-action/region/{bench.region.code}/",
        )
    return paths


def growth_calls(bench: Bench) -> dict[str, Callable[[], Any]]:
    calls = {
        name: get(bench.client(user), path) for name, (user, path) in page_paths(bench).items()
    }
    similar = bench.similar or [bench.case]
    turn = iter(range(1 << 62))

    def lookup() -> None:
        list(similar_open_cases(similar[next(turn) % len(similar)], bench.acss))

    calls["similar-case lookup"] = lookup
    return calls


def cases_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        return int(cursor.fetchone()[0])


def growth_costs(bench: Bench, rounds: int = ROUNDS, calls: int = CALLS) -> dict[str, Any]:
    costs = inproc.measure(growth_calls(bench), rounds, calls)
    return {
        "cases": cases_count(),
        "costs": {name: [c.wall, c.cpu, c.pg, c.queries] for name, c in costs.items()},
    }


def growth_rows(small: dict[str, Any], large: dict[str, Any]) -> list[Row]:
    rows = []
    for name, (wall, cpu, pg, count) in large["costs"].items():
        before = small["costs"].get(name)
        if before is None:
            rows.append(Row(f"growth: {name}", "not measured at the small size", key=name))
            continue
        b_total, a_total = before[1] + before[2], cpu + pg
        rows.append(
            Row(
                f"growth: {name}, {small['cases']:,} → {large['cases']:,} cases "
                "(web + PostgreSQL CPU per call)",
                f"{b_total:.1f} → {a_total:.1f} ms (wall {before[0]:.1f} → {wall:.1f} ms; "
                f"{before[3]} → {count} queries)",
                a_total / b_total if b_total else None,
                1.5,
                f"growth: {name}",
            )
        )
    return rows


# --- in process: ratios to the floors ----------------------------------------------------


def inprocess_rows(bench: Bench, rounds: int = ROUNDS, calls: int = CALLS) -> list[Row]:
    """The floors and what is compared with them, all alternating in the same rounds."""
    finess = bench_finess(bench)
    api = Client()
    bearer = {"Authorization": f"Bearer {bench.key}"}
    reference = bench.case.declaration.reference
    turn = iter(range(1 << 62))

    def submit() -> None:
        expect(
            api.post(
                "/api/v1/declarations",
                submission(next(turn), finess),
                content_type="application/json",
                headers=bearer,
            ),
            201,
        )

    measured = {
        **inproc.floor_calls(lambda: login_with_mfa(Client(), bench.acss), bench.key),
        "layout": get(bench.client(bench.acss), "/compte/profil/"),
        "GET": get(api, f"/api/v1/declarations/{reference}", **bearer),
        "POST": submit,
        "case": get(bench.client(bench.acss), f"/dossiers/{bench.case.pk}/"),
    }
    with inproc.bench_urls():
        costs = inproc.measure(measured, rounds, calls)
    f_session, f_drf = costs["F_session"], costs["F_drf"]

    def cpu(cost: Cost) -> str:
        return (
            f"{cost.cpu:.2f} ms web CPU, {cost.pg:.2f} ms PostgreSQL CPU, "
            f"{cost.wall:.2f} ms wall, {cost.queries} queries"
        )

    def ratio(name: str, floor: Cost) -> float:
        return costs[name].cpu / floor.cpu

    case = costs["case"]
    return [
        Row(
            "F_session: bare view, Django's middlewares only, session",
            cpu(f_session),
            key="F_session",
        ),
        Row("F_drf: bare DRF view, Bearer token, throttles", cpu(f_drf), key="F_drf"),
        Row(
            "app session floor (full middleware stack, MFA computes the scope) / F_session",
            cpu(costs["app session floor"]),
            ratio("app session floor", f_session),
            1.3,
            "session floor",
        ),
        Row(
            "layout page (/compte/profil/) / F_session",
            cpu(costs["layout"]),
            ratio("layout", f_session),
            4,
            "layout",
        ),
        Row(
            "GET /api/v1/declarations/<ref> / F_drf",
            cpu(costs["GET"]),
            ratio("GET", f_drf),
            2.5,
            "GET",
        ),
        Row(
            "POST /api/v1/declarations / F_drf", cpu(costs["POST"]), ratio("POST", f_drf), 6, "POST"
        ),
        Row(
            "POST /api/v1/declarations: SQL queries",
            f"{costs['POST'].queries} queries",
            costs["POST"].queries,
            15,
            "POST queries",
        ),
        Row(
            f"case page (/dossiers/<id>/, open, {case_contents(bench.case)}) / F_session",
            cpu(case),
            ratio("case", f_session),
            12,
            "case page",
        ),
    ]


def case_contents(case: Case) -> str:
    return (
        f"{case.timeline.count()} timeline events, {case.questions.count()} questions, "
        f"{case.tracking.count()} tracking entries"
    )


# --- through gunicorn: latency against the hand-written SQL ----------------------------------


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def session_header(bench: Bench, user: User) -> dict[str, str]:
    cookie = bench.client(user).cookies[settings.SESSION_COOKIE_NAME].value
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}


def latency_rows(bench: Bench, url: str, requests: int = PAGE_REQUESTS) -> list[Row]:
    import httpx

    from bench import handsql

    layout_headers = session_header(bench, bench.acss)
    sql_of: dict[str, Callable[[], list[tuple[str, list[Any]]]]] = {
        "queue (/dossiers/)": lambda: handsql.QUEUE_SQL,
        "case page (/dossiers/<id>/)": lambda: handsql.case_sql(bench.case.pk, True),
        "dashboard (/statistiques/)": lambda: handsql.dashboard_sql(bench.region.pk),
    }
    if bench.plan is not None:
        plan = bench.plan
        sql_of["action plan, regional view (/plan-action/region/<code>/)"] = lambda: (
            handsql.actionplan_sql(plan.pk, bench.region.pk, page=True)
        )
    rows = []
    with httpx.Client(base_url=url, timeout=120) as http, connection.cursor() as db:
        for name, (user, path) in page_paths(bench).items():
            headers = session_header(bench, user)
            statements = sql_of[name]()
            page: list[float] = []
            sql: list[float] = []
            layout: list[float] = []
            for n in range(requests + 5):  # the first five warm up
                start = time.perf_counter()
                response = http.get(path, headers=headers)
                elapsed = time.perf_counter() - start
                assert response.status_code == 200, (path, response.status_code)
                start = time.perf_counter()
                for statement, params in statements:
                    db.execute(statement, params)
                    db.fetchall()
                sql_elapsed = time.perf_counter() - start
                start = time.perf_counter()
                assert http.get("/compte/profil/", headers=layout_headers).status_code == 200
                layout_elapsed = time.perf_counter() - start
                if n >= 5:
                    page.append(elapsed * 1000)
                    sql.append(sql_elapsed * 1000)
                    layout.append(layout_elapsed * 1000)
            p95, sql95, layout95 = (percentile(s, 95) for s in (page, sql, layout))
            limit = 2 * (sql95 + layout95)
            rows.append(
                Row(
                    f"{name} p95 through gunicorn / 2 × (hand-written SQL p95 + layout p95)",
                    f"{p95:.1f} ms (SQL {sql95:.1f} ms in {len(statements)} statements, "
                    f"layout {layout95:.1f} ms; limit {limit:.1f} ms)",
                    p95 / (sql95 + layout95),
                    2,
                    f"latency: {name}",
                )
            )
    return rows


# --- the quarterly report ---------------------------------------------------------------------


# Where a sampled PDF rendering is: the innermost frame of a known kind names it.
PDF_PARTS = [
    ("fonts", ("weasyprint/text/fonts", "weasyprint/pdf/fonts", "fontTools")),
    ("images", ("weasyprint/images", "weasyprint/svg", "PIL/")),
    ("CSS (parsing, cascade, computed styles)", ("weasyprint/css", "tinycss2", "cssselect2")),
    ("text (Pango line breaking and shaping)", ("weasyprint/text",)),
    ("layout", ("weasyprint/layout",)),
    ("drawing", ("weasyprint/draw", "weasyprint/stacking")),
    ("PDF writing", ("weasyprint/pdf", "pydyf")),
    ("HTML parsing, box tree", ("weasyprint/html", "html5lib", "tinyhtml5",
                                "weasyprint/formatting_structure")),
    ("Django template", ("django/template",)),
]  # fmt: skip


# The phase a sample is in: the outermost frame of a known kind names it.
PDF_PHASES = [
    ("Django template", ("django/template",)),
    ("HTML parsing, box tree", ("weasyprint/html", "weasyprint/formatting_structure")),
    ("CSS", ("weasyprint/css",)),
    ("layout", ("weasyprint/layout",)),
    # WeasyPrint draws the pages while it writes the PDF: drawing is inside this phase.
    ("drawing and PDF writing (glyphs, fonts subset and embedded)", ("weasyprint/pdf", "pydyf")),
]


def pdf_part(frame: Any) -> str:
    """The innermost part of WeasyPrint ``frame`` is in."""
    while frame is not None:
        path = frame.f_code.co_filename
        for part, needles in PDF_PARTS:
            if any(needle in path for needle in needles):
                return part
        frame = frame.f_back
    return "other"


def pdf_phase(frame: Any) -> str:
    """The outermost phase of the rendering ``frame`` is in."""
    phase = "other"
    while frame is not None:
        path = frame.f_code.co_filename
        for name, needles in PDF_PHASES:
            if any(needle in path for needle in needles):
                phase = name
        frame = frame.f_back
    return phase


def sampled(
    call: Callable[[], Any], interval: float = 0.002
) -> tuple[Any, Counter[str], Counter[str]]:
    """Runs ``call`` while a thread notes where the calling thread is every ``interval``:
    (its result, samples by innermost part, samples by outermost phase)."""
    target = threading.get_ident()
    parts: Counter[str] = Counter()
    phases: Counter[str] = Counter()
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            frame = sys._current_frames().get(target)
            if frame is not None:
                parts[pdf_part(frame)] += 1
                phases[pdf_phase(frame)] += 1
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = call()
    finally:
        done.set()
        sampler.join()
    return result, parts, phases


def report_rows(bench: Bench, repeat: int = 5) -> tuple[list[Row], list[str]]:
    from bench import handsql

    if bench.plan is None:
        return [Row("quarterly report", "no action plan loaded")], []
    plan, region = bench.plan, bench.region
    today = timezone.localdate()
    figures_ms: list[float] = []
    sql_ms: list[float] = []
    statements = handsql.actionplan_sql(plan.pk, region.pk, page=False)
    with connection.cursor() as db:
        for _ in range(repeat + 1):
            start = time.perf_counter()
            compute_figures(user=bench.ars, plan=plan, region=region, today=today)
            figures_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            for statement, params in statements:
                db.execute(statement, params)
                db.fetchall()
            sql_ms.append((time.perf_counter() - start) * 1000)
    figures, sql = statistics.median(figures_ms[1:]), statistics.median(sql_ms[1:])
    structures = Structure.objects.filter(departement__region=region, is_active=True).count()
    rows = [
        Row(
            f"quarterly report: figures of {region.name} ({structures:,} structures) / "
            "their hand-written SQL (median of wall)",
            f"{figures:.0f} ms (SQL {sql:.0f} ms)",
            figures / sql if sql else None,
            2,
            "report figures",
        )
    ]
    year, quarter = today.year, (today.month - 1) // 3 + 1
    snapshot = snapshot_take(user=bench.ars, plan=plan, region=region, year=year, quarter=quarter)
    context = report_context(snapshot, previous_snapshot(snapshot))
    render_pdf(context)  # warm: fonts found, templates compiled
    times = []
    for _ in range(3):
        start = time.perf_counter()
        pdf = render_pdf(context)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    _pdf, parts, phases = sampled(lambda: render_pdf(context))
    profiled = time.perf_counter() - start
    total = sum(parts.values()) or 1

    def shares(counter: Counter[str]) -> str:
        return ", ".join(f"{name} {n * 100 / total:.0f} %" for name, n in counter.most_common())

    rows.append(
        Row(
            f"quarterly report: PDF rendering ({len(pdf) // 1024} KiB, median of 3, warm)",
            f"{statistics.median(times) * 1000:.0f} ms",
            key="report PDF",
        )
    )
    notes = [
        f"Quarterly PDF: where its time goes (a thread sampled the rendering every 2 ms, "
        f"{total} samples over {profiled * 1000:.0f} ms). By phase (the outermost step a "
        f"sample was in): {shares(phases)}. By part (the innermost: fonts, images, CSS, "
        f"Pango's line breaking and shaping called from the layout…): {shares(parts)}."
    ]
    return rows, notes


# --- peers -----------------------------------------------------------------------------------


def peer_rows(bench: Bench) -> list[Row]:
    cases = cases_count()
    client = bench.client(bench.acss)
    calls = {
        "count": get(client, "/dossiers/?status=all"),
        "search": get(client, "/dossiers/?status=all&q=bench+4"),
        "statistics": get(client, "/statistiques/"),
    }
    costs = inproc.measure(calls, rounds=3, per_round=3)
    labels = {
        "count": "case queue with its counts (/dossiers/?status=all, ACSS: every case)",
        "search": "search (/dossiers/?status=all&q=bench 4)",
        "statistics": "statistics (/statistiques/, ACSS: national)",
    }
    rows = []
    for name, cost in costs.items():
        theirs, their_cases, text = PEERS[name]
        factor = theirs / cost.wall
        rows.append(
            Row(
                f"peers: {labels[name]} at {cases:,} cases vs TheHive 4 ({text})",
                f"{cost.wall:.0f} ms wall (web + PostgreSQL CPU {cost.total_cpu:.0f} ms; "
                f"×{factor:,.0f} faster, on {cases / their_cases:,.1f}× their cases)",
                # The verdict reads "at least 100× faster": the ratio is 100 / factor.
                100 / factor,
                1,
                f"peers: {name}",
            )
        )
    return rows


# --- the report ------------------------------------------------------------------------------


def table(rows: list[Row]) -> Iterator[str]:
    yield "| target | measured | ratio | limit | |"
    yield "|---|---|---|---|---|"
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        limit = "" if row.limit is None else f"≤ {row.limit:g}"
        verdict = {"MISS": "**MISS**"}.get(row.verdict, row.verdict)
        yield f"| {row.target} | {row.measured} | {ratio} | {limit} | {verdict} |"


def write_report(
    rows: list[Row], notes: list[str], small: dict[str, Any], large: dict[str, Any]
) -> str:
    from bench.handsql import machine

    full = large["cases"] >= 1_000_000
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            f"Run by `make {'bench-full' if full else 'bench'}` (bench/run.sh, bench/ratios.py) "
            f"on {timezone.now():%Y-%m-%d %H:%M} UTC.",
            "",
            f"Code measured: {os.environ.get('BENCH_CODE', 'the working tree')}.",
            "",
            "## Machine",
            "",
            *[f"- {k}: {v}" for k, v in machine().items()],
            "",
            "## Dataset",
            "",
            f"- Small: {small['cases']:,} cases; large: {large['cases']:,} cases "
            f"({Structure.objects.count():,} structures), both made by bench/generate.py "
            "in this run (the large one by growing the small one).",
            "- "
            + (
                "Full size (1 000 000 cases)."
                if full
                else "**Reduced size** (`make bench`); `make bench-full` measures 10 000 → "
                "1 000 000 cases."
            ),
            "",
            "## Targets (issue 18)",
            "",
            *table(rows),
            "",
            "Verdicts: PASS when ratio ≤ limit. Peers: the ratio is 100 / (how many times "
            "faster than TheHive 4), so PASS means at least 100× faster.",
            "",
            "## Method",
            "",
            "- **In process** (bench/inproc.py): Django's WSGI stack called through the test "
            "client, DEBUG off, warm, one persistent database connection. The floors, the "
            "layout page, GET by reference, the submit and the case page alternate within "
            f"each of {ROUNDS} rounds of {CALLS} calls (the order rotates); each figure is the "
            "median over rounds of the mean per call. Web CPU is `time.process_time`, "
            "PostgreSQL CPU the backend's utime + stime from /proc (10 ms ticks, read as a "
            "mean), SQL statements counted in a separate untimed pass. Ratios are of web CPU.",
            "- **Floors**, served by bench/urls.py (a bench-only URLconf: the app's URLs plus "
            "two bare views, so no bare view ships): F_session is a view that reads "
            "`request.user` and answers two bytes, through settings.MIDDLEWARE without "
            "Vigie's own middlewares (request log, metrics, no-store, MFA), with a staff "
            "session; the app's session floor is the same view through the full stack (the "
            "MFA middleware computes the scope); F_drf is a bare DRF APIView with the API's "
            "default authentication (Bearer token) and throttles.",
            "- **Case page**: an open case submitted through the API in this run, then "
            "taken, qualified, support chosen, three questions (one answered), five "
            "tracking entries, read by an ACSS analyst.",
            "- **Latency** (through gunicorn, one client, keep-alive): for each page "
            f"{PAGE_REQUESTS} iterations of (the page, its hand-written SQL on the script's "
            "database connection, the layout page), interleaved so the machine's speed "
            "weighs on all three alike; limit = 2 × (SQL p95 + layout p95). The SQL is in "
            "bench/handsql.py.",
            "- **Growth**: the same in-process measure of each page and of "
            "`similar_open_cases` on the small dataset, then on the large one grown from it "
            "by the same generator; the cost compared is web + PostgreSQL CPU per call.",
            "- **Quarterly report**: `compute_figures` for the region with the most "
            "départements (the ARS officer's dashboard and regional view are of it too) "
            "against its hand-written SQL (median wall of 5); the PDF (`render_pdf`) timed "
            "warm, then sampled.",
            "- **Peers**: wall time in process (median of 3 rounds of 3) at the large size; "
            "TheHive 4's figures as published.",
            "",
            "## Notes",
            "",
            *[f"- {n}" for n in notes],
            "- Client, web server and PostgreSQL share the machine's CPUs; other sessions "
            "may have been running tests: compare ratios, which were measured in the same "
            "rounds, rather than absolute times between runs.",
        ]
    )
    previous = ROOT / "BENCHMARKS.md"
    if previous.exists() and KEPT_FROM in previous.read_text():
        text += "\n\n" + KEPT_FROM + previous.read_text().split(KEPT_FROM, 1)[1]
    else:
        text += "\n"
    return text


def main(stage: str) -> None:
    """bench/run.sh collected the static files (the manifest storage reads them)."""
    bench = bench_context()
    if stage == "small":
        STATE.parent.mkdir(parents=True, exist_ok=True)
        STATE.write_text(json.dumps(growth_costs(bench)))
        print(f"small size measured, kept in {STATE}", flush=True)
        return
    small = json.loads(STATE.read_text())
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print("growth…", flush=True)
    large = growth_costs(bench)
    rows = growth_rows(small, large)
    print("in process: floors and ratios…", flush=True)
    rows = inprocess_rows(bench) + rows
    notes = [
        f"Load average (1, 5, 15 min) when the large size's measures began: {load} on "
        f"{os.cpu_count()} CPUs. Above the CPU count, wall times and latencies are mostly "
        "waiting for a CPU (other sessions' test suites); CPU figures and ratios measured "
        "in the same rounds hold better."
    ]
    if os.environ.get("BENCH_URL"):
        print("through gunicorn: latency…", flush=True)
        rows += latency_rows(bench, os.environ["BENCH_URL"])
    print("quarterly report…", flush=True)
    report, report_notes = report_rows(bench)
    rows += report
    notes += report_notes
    print("peers…", flush=True)
    rows += peer_rows(bench)
    text = write_report(rows, notes, small, large)
    OUTPUT.write_text(text)
    print(text.split(KEPT_FROM)[0])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "large")
