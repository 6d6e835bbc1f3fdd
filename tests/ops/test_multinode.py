"""Two gunicorn nodes and two workers on one PostgreSQL, all on loopback
(tests/ops/multinode.py): a burst of declarations through the API and the quick web form
survives a web node and a worker killed with SIGKILL, then a restart of PostgreSQL.

Checked after each burst: every declaration a client saw accepted exists exactly once,
with its case; every e-mail owed (outbox row) is sent, none lost, and delivered once —
or, within SMTP's at-least-once bound, twice: a message the relay accepted (250 after
DATA) just before its worker died or the database went away is sent again, since the
"sent" mark was not committed. That can only happen to a message being sent at that
instant, so at most one per worker cut off (each runs one job at a time); the copies
carry the same Message-ID. The jobs the killed worker was running are retried and
finished by the other one (core.retry_stalled_jobs, from Procrastinate's heartbeats).

`make test` runs a short burst; `make soak` (VIGIE_SOAK=1) a long one with a crash-like
restart of PostgreSQL too. The counts are printed.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.ops.multinode import Burst, Site, request

SOAK = os.environ.get("VIGIE_SOAK") == "1"
BURST = {"api": 300, "web": 100} if SOAK else {"api": 24, "web": 10}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def site(django_db_setup: None, django_db_blocker: Any) -> Iterator[Site]:
    with django_db_blocker.unblock():
        built = Site()
        try:
            built.start()
        except BaseException:
            built.close()
            raise
    yield built
    built.close()


def wait_for(what: str, check: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def check_burst(site: Site, burst: Burst, *, cut_off_workers: int) -> dict[str, Any]:
    """The assertions shared by both scenarios; returns the counts to print."""
    seen = burst.outcomes
    assert not seen.errors, seen.errors
    rows = site.sql(
        "SELECT d.id, d.reference, d.external_id, d.description, "
        "(SELECT count(*) FROM cases_case c WHERE c.declaration_id = d.id) "
        "FROM declarations_declaration d WHERE d.description LIKE %s",
        f"%-{burst.tag}-%",
    )
    by_external = Counter(external for _, _, external, _, _ in rows if external)
    for external_id, reference in seen.api_accepted.items():
        assert by_external[external_id] == 1, external_id
        [(found_reference, cases)] = [(r[1], r[4]) for r in rows if r[2] == external_id]
        assert found_reference == reference and cases == 1, external_id
    by_pk = {row[0]: row for row in rows}
    for token, pk in seen.web_accepted.items():
        assert pk in by_pk and f"({token})" in by_pk[pk][3], token
        assert by_pk[pk][1] and by_pk[pk][4] == 1, token
    tokens = Counter(
        row[3].rsplit("(", 1)[1].rstrip(").") for row in rows if row[3].startswith("Messagerie")
    )
    assert all(count == 1 for count in tokens.values()), tokens  # nobody resubmitted
    unknown_recorded = [token for token in seen.web_unknown if tokens[token]]
    # Nothing recorded that no client sent, nothing twice.
    assert len(rows) == seen.accepted + len(unknown_recorded)
    assert len(seen.api_accepted) == burst.api_count  # API clients retry until answered

    outbox = [
        item for item in site.outbox() if item[2] in {f"declaration:{row[0]}" for row in rows}
    ]
    assert all(status == "sent" for status, _, _ in outbox)
    per_declaration = Counter(topic for _, _, topic in outbox)
    assert min(per_declaration.values()) >= 2  # the acknowledgement and the recipients
    assert len(per_declaration) == len(rows)
    delivered = Counter(site.mailbox.message_ids)
    owed = {message_id for _, message_id, _ in outbox}
    assert owed <= set(delivered), "an e-mail owed was never delivered"
    copies = sum(delivered[m] - 1 for m in owed)
    assert all(delivered[m] <= 2 for m in owed)
    assert copies <= cut_off_workers, f"{copies} e-mails delivered twice"
    return {
        "declarations accepted (API)": len(seen.api_accepted),
        "declarations accepted (web form)": len(seen.web_accepted),
        "web declarations not confirmed (503 or no answer)": len(seen.web_unknown),
        "  of which recorded all the same": len(unknown_recorded),
        "declarations in the database": len(rows),
        "e-mails owed": len(owed),
        "e-mails delivered": sum(delivered[m] for m in owed),
        "  delivered twice (SMTP at-least-once)": copies,
        "answers seen by the clients": dict(sorted(seen.statuses.items())),
    }


def report(capsys: Any, title: str, counts: dict[str, Any]) -> None:
    with capsys.disabled():
        print(f"\n{title}")
        for name, value in counts.items():
            print(f"  {name}: {value}")


def test_a_web_node_and_a_worker_killed_mid_burst_lose_nothing(site: Site, capsys: Any) -> None:
    for name in ("a", "b"):
        site.start_node(name)
        site.start_worker(name)
    burst = Burst(site, **BURST)
    started = time.monotonic()
    burst.start()
    wait_for("a third of the burst", lambda: burst.outcomes.accepted >= burst.total // 3)

    # Worker a, frozen while it sends an e-mail (its job is 'doing'), then killed.
    worker = site.workers["a"]
    in_flight = wait_for(
        "worker a in a job",
        lambda: [
            row[0]
            for row in site.sql(
                "SELECT id FROM procrastinate_jobs WHERE status = 'doing' AND worker_id = %s",
                site.worker_ids["a"],
            )
        ],
        timeout=30,
    )
    os.killpg(worker.pid, 19)  # SIGSTOP: the job cannot finish between the look and the kill
    in_flight = [
        row[0]
        for row in site.sql(
            "SELECT id FROM procrastinate_jobs WHERE status = 'doing' AND worker_id = %s",
            site.worker_ids["a"],
        )
    ] or in_flight
    site.kill(worker)
    site.kill(site.nodes["a"][0])
    killed_after = burst.outcomes.accepted

    burst.join()
    wait_for("every e-mail sent and the dead worker's jobs done",
             lambda: site.drained(jobs=in_flight), timeout=180)  # fmt: skip
    seconds = time.monotonic() - started

    counts = check_burst(site, burst, cut_off_workers=1)
    done = site.sql(
        "SELECT id, status, attempts FROM procrastinate_jobs WHERE id = ANY(%s)", in_flight
    )
    assert all(status == "succeeded" for _, status, _ in done)
    # Worker b did them: worker a never ran again.
    assert site.workers["b"].poll() is None
    report(
        capsys,
        f"Multi-node burst, web node a and worker a killed (SIGKILL) after "
        f"{killed_after} accepted declarations, {seconds:.0f} s:",
        {
            **counts,
            "jobs worker a was running when killed": len(in_flight),
            "  finished by worker b": sum(1 for _, status, _ in done if status == "succeeded"),
        },
    )


def test_postgresql_restarted_mid_burst_loses_nothing(site: Site, capsys: Any) -> None:
    site.stop_all()
    for name in ("a", "b"):
        site.start_node(name)
        site.start_worker(name)
    pids = {name: process.pid for name, (process, _) in site.nodes.items()}
    workers = {name: process.pid for name, process in site.workers.items()}
    restarts = ["fast", "immediate"] if SOAK else ["fast"]
    burst = Burst(site, api=BURST["api"] // 2, web=BURST["web"] // 2, tag=f"pg{os.getpid()}")
    started = time.monotonic()
    burst.start()
    for number, mode in enumerate(restarts, start=1):
        wait_for(
            "part of the burst",
            lambda number=number: (
                burst.outcomes.accepted  # type: ignore[misc]
                >= burst.total * number // (len(restarts) + 2)
            ),
        )
        site.restart_database(mode, down_seconds=3)
    burst.join()
    wait_for("every e-mail sent", lambda: site.drained(jobs=[]), timeout=180)
    seconds = time.monotonic() - started

    counts = check_burst(site, burst, cut_off_workers=2 * len(restarts))
    # The clients were told 503 while it was down (never 500), and the same processes
    # serve and work afterwards: they reconnected by themselves.
    statuses = burst.outcomes.statuses
    assert statuses["api 503"] + statuses["web POST 503"] + statuses["web GET 503"] > 0
    assert not any(" 500" in key for key in statuses)
    assert {name: p.pid for name, (p, _) in site.nodes.items()} == pids
    assert {name: p.pid for name, p in site.workers.items()} == workers
    assert all(p.poll() is None for p in site.workers.values())
    for _, port in site.nodes.values():
        wait_for("readiness", lambda port=port: request("GET", port, "/readyz")[0] == 200)  # type: ignore[misc]
    report(
        capsys,
        f"Multi-node burst, PostgreSQL restarted ({', '.join(restarts)}) mid-burst, "
        f"{seconds:.0f} s:",
        counts,
    )
