"""Load a plan's catalogue from its JSON file (idempotent; plans live side by side)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from vigie.actionplan.models import Measure, Plan, Theme

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_PLANS = [DATA_DIR / "plan-action-ssi-2016.json"]


def _check(data: dict[str, Any]) -> None:
    months = {p["priority"]: p["months"] for p in data["priorities"]}
    themes = {t["code"] for t in data["themes"]}
    numbers = [m["number"] for m in data["measures"]]
    if len(numbers) != len(set(numbers)):
        raise ValidationError("Duplicate measure numbers in the plan file.")
    for measure in data["measures"]:
        if measure["theme"] not in themes:
            raise ValidationError(f"Measure {measure['number']}: unknown theme {measure['theme']}")
        if measure["priority"] not in months:
            raise ValidationError(f"Measure {measure['number']}: unknown priority")


@transaction.atomic
def plan_load(
    path: Path | str, *, progress: Callable[[str], None] | None = None
) -> tuple[Plan, dict[str, int]]:
    """Create or update the plan described by ``path``; return it and what was created."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    _check(data)
    say = progress or (lambda message: None)
    info = data["plan"]
    plan, plan_created = Plan.objects.update_or_create(
        code=info["code"],
        defaults={
            "title": info["title"],
            "source": info.get("source", ""),
            "published_on": date.fromisoformat(info["published_on"]),
        },
    )
    say(f"Plan {plan.code}: {'created' if plan_created else 'already present, updated'}")
    created = {"themes": 0, "measures": 0}
    themes: dict[str, Theme] = {}
    for row in data["themes"]:
        theme, was_created = Theme.objects.update_or_create(
            plan=plan,
            code=row["code"],
            defaults={
                "name": row["name"],
                "order": row.get("order", 0),
                "references": row.get("references", []),
            },
        )
        themes[theme.code] = theme
        created["themes"] += was_created
    say(f"  {len(themes)} themes ({created['themes']} new)")
    months = {p["priority"]: p["months"] for p in data["priorities"]}
    for row in data["measures"]:
        _measure, was_created = Measure.objects.update_or_create(
            plan=plan,
            number=row["number"],
            defaults={
                "theme": themes[row["theme"]],
                "priority": row["priority"],
                "deadline_months": months[row["priority"]],
                "title": row["title"],
                "note": row.get("note", ""),
            },
        )
        created["measures"] += was_created
    say(f"  {len(data['measures'])} measures ({created['measures']} new)")
    return plan, created


def shipped_plans_load() -> int:
    """Load every plan shipped with Vigie; return how many measures were new."""
    return sum(plan_load(path)[1]["measures"] for path in SHIPPED_PLANS)
