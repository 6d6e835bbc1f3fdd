"""Scheduled work on cases."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="0 * * * *", periodic_id="case_remind_overdue")
@app.task(name="cases.remind_overdue", queue="default", queueing_lock="case_remind_overdue")
def remind_overdue(timestamp: int) -> int:
    """Hourly: remind those in charge of cases whose weekly ARS update is late."""
    from vigie.cases.services import case_remind_overdue

    return case_remind_overdue()


@app.periodic(cron="*/10 * * * *", periodic_id="cases_follow_structures")
@app.task(name="cases.follow_structures", queue="default", queueing_lock="cases_follow_structures")
def follow_structures(timestamp: int) -> int:
    """Every 10 minutes: open cases of structures that moved region go to the new ARS."""
    from vigie.cases.services import cases_follow_structures

    return cases_follow_structures()
