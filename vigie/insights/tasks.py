"""Scheduled work: the regulatory clock's reminders and weak-signal detection."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="*/15 * * * *", periodic_id="insights_obligations_remind")
@app.task(name="insights.obligations_remind", queue="default", queueing_lock="insights_obligations")
def obligations_remind(timestamp: int) -> int:
    """Every 15 minutes: remind once before each notification deadline."""
    from vigie.insights.services import obligations_remind as remind

    return remind()


@app.periodic(cron="7 * * * *", periodic_id="insights_clusters_record")
@app.task(name="insights.clusters_record", queue="default", queueing_lock="insights_clusters")
def clusters_record(timestamp: int) -> int:
    """Hourly: record new clusters of weak signals and tell the cell once about each."""
    from vigie.insights.services import clusters_record as record

    return len(record())
