from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What the people who run Vigie need: health and readiness probes, metrics, backups.
    Beside home at the top of the stack: it reads every app's tables, nothing imports it."""

    name = "vigie.ops"
    label = "ops"
