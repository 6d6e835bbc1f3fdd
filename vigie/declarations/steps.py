"""The steps of the declaration form (instruction tasks A–D) and what submission requires.

Shared by the web form, the summary page and the API, so that a field means the same
thing, with the same checks, wherever it is typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.declarations.models import Declaration


@dataclass(frozen=True)
class Step:
    slug: str
    title: Promise
    fields: tuple[str, ...]


STEPS: tuple[Step, ...] = (
    Step(
        "identite",
        gettext_lazy("Declarant, dates and type"),
        (
            "declarant_name",
            "declarant_function",
            "declarant_email",
            "declarant_phone",
            "detected_at",
            "started_at",
            "incident_type",
        ),
    ),
    Step(
        "perimetre",
        gettext_lazy("Perimeter"),
        (
            "systems_affected",
            "health_products",
            "software",
            "vendors",
            "other_vendors",
            "hosting_provider",
            "sites_affected",
        ),
    ),
    Step(
        "impacts",
        gettext_lazy("Impacts"),
        (
            "care_impact",
            "data_availability",
            "data_integrity",
            "data_confidentiality",
            "degraded_mode",
            "service_downtime",
            "patients_transferred",
            "plan_blanc",
            "estimated_patients",
            "estimated_records",
        ),
    ),
    Step(
        "origine",
        gettext_lazy("Origin, help needed and actions taken"),
        (
            "malicious",
            "can_handle_alone",
            "help_needed",
            "urgent_help",
            "containment_done",
            "isolation_done",
            "complaint_filed",
            "bodies_notified",
            "actions_taken",
        ),
    ),
    Step(
        "description",
        gettext_lazy("Description, attachments and marking"),
        ("description", "tlp"),
    ),
)
STEP_BY_SLUG = {step.slug: step for step in STEPS}
STEP_OF_FIELD = {name: step for step in STEPS for name in step.fields}

# Fields a declaration cannot be submitted without.
REQUIRED_FIELDS = (
    "declarant_name",
    "declarant_email",
    "declarant_phone",
    "detected_at",
    "incident_type",
    "systems_affected",
    "care_impact",
    "malicious",
    "can_handle_alone",
    "description",
)
# What a quick declaration (a phone, in the middle of an attack) must say: who calls
# back and how, what is happening, whether care is affected (urgent help is a yes/no
# that defaults to no). Tasks A-D are completed afterwards.
QUICK_REQUIRED = (
    "declarant_name",
    "declarant_phone",
    "detected_at",
    "incident_type",
    "care_impact",
    "description",
)
# Clock skew tolerated on a detection time said to be "now".
FUTURE_TOLERANCE = timedelta(minutes=10)
# Earlier dates are typing mistakes ("0025" for "2025"); the first centuries would not
# even fit PostgreSQL once converted to UTC, and the draft could no longer be read.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def check_dates(
    detected_at: datetime | None, started_at: datetime | None, now: datetime | None = None
) -> dict[str, str]:
    problems: dict[str, str] = {}
    now = now or timezone.now()
    too_early = _("This date is too far in the past: check the year.")
    if detected_at and detected_at < EARLIEST:
        problems["detected_at"] = too_early
    elif detected_at and detected_at > now + FUTURE_TOLERANCE:
        problems["detected_at"] = _("The detection date cannot be in the future.")
    if started_at and started_at < EARLIEST:
        problems["started_at"] = too_early
    elif started_at and started_at > now + FUTURE_TOLERANCE:
        problems["started_at"] = _("The start date cannot be in the future.")
    elif started_at and detected_at and started_at > detected_at:
        problems["started_at"] = _("The incident cannot start after it was detected.")
    return problems


def declaration_problems(
    declaration: Declaration, required: tuple[str, ...] = REQUIRED_FIELDS
) -> dict[str, str]:
    """What prevents submission (of ``required``): field name -> French message. Empty
    when complete."""
    problems: dict[str, str] = {}
    for name in required:
        if name == "incident_type":
            missing = declaration.incident_type_id is None
        else:
            value = getattr(declaration, name)
            missing = value in (None, "", [], ())
        if missing:
            problems[name] = _("This field is required.")
    for name, message in check_dates(declaration.detected_at, declaration.started_at).items():
        problems.setdefault(name, message)
    for step_slug in declaration.draft_data:
        step = STEP_BY_SLUG.get(step_slug)
        if step is not None:
            # A step left with input that did not validate must be corrected first.
            problems.setdefault(
                f"step:{step.slug}", _("This step holds input that is not valid yet.")
            )
    return problems


def problems_by_step(problems: dict[str, str]) -> dict[str, dict[str, str]]:
    grouped: dict[str, dict[str, str]] = {}
    for name, message in problems.items():
        slug = name.removeprefix("step:") if name.startswith("step:") else STEP_OF_FIELD[name].slug
        grouped.setdefault(slug, {})[name] = message
    return grouped
