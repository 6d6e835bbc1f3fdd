"""Weak signals (SPEC section 8): cases of one region, detected within the time window,
that share an indicator, or the same incident type and the same vendor or software, or
only the same incident type in one département or one region (a wave of ransomware with
nothing technical in common yet).

``find_clusters`` only reads the cases it is given (a visible_to() queryset for a page,
the cell's scope for the periodic task); thresholds come from the settings
VIGIE_CLUSTER_WINDOW_DAYS, VIGIE_CLUSTER_MIN_CASES and VIGIE_CLUSTER_TYPE_MIN_CASES (the
same-type-in-a-territory rule). Each cluster carries the rule that found it (``basis``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, F, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.cases.models import Case, Criticity
from vigie.declarations.models import IncidentType
from vigie.directory.models import Departement, Region, Vendor
from vigie.insights.indicators import normalise_name
from vigie.insights.models import ClusterBasis, Indicator, IndicatorKind

REGION = "region_id"


@dataclass
class FoundCluster:
    basis: str
    key: str
    label: str
    region_id: int
    case_ids: list[int] = field(default_factory=list)
    region_name: str = ""

    @property
    def basis_label(self) -> str:
        """The rule that found the cluster, in the reader's language."""
        return str(ClusterBasis(self.basis).label)


def window_days() -> int:
    return int(getattr(settings, "VIGIE_CLUSTER_WINDOW_DAYS", 14))


def min_cases() -> int:
    return int(getattr(settings, "VIGIE_CLUSTER_MIN_CASES", 3))


def type_min_cases() -> int:
    """Cases of one incident type in one territory that make a signal on their own."""
    return int(getattr(settings, "VIGIE_CLUSTER_TYPE_MIN_CASES", 3))


def cases_in_window(cases: QuerySet[Case], *, now: datetime, days: int) -> QuerySet[Case]:
    """Security incidents (not those qualified otherwise) detected in [now - days, now]."""
    return (
        cases.annotate(detected=Coalesce(F("declaration__detected_at"), F("opened_at")))
        .filter(detected__gte=now - timedelta(days=days), detected__lte=now)
        .exclude(criticity=Criticity.NOT_INCIDENT)
    )


def software_names(text: str) -> list[str]:
    """The free-text "software concerned" field may list several, one a line or comma."""
    names = (normalise_name(part) for part in re.split(r"[,;\n]+", text or ""))
    return sorted({name for name in names if name})


def find_clusters(
    cases: QuerySet[Case],
    *,
    now: datetime | None = None,
    days: int | None = None,
    minimum: int | None = None,
    type_minimum: int | None = None,
) -> list[FoundCluster]:
    now = now or timezone.now()
    days = window_days() if days is None else days
    minimum = min_cases() if minimum is None else minimum
    type_minimum = type_min_cases() if type_minimum is None else type_minimum
    window = cases_in_window(cases, now=now, days=days)
    found: list[FoundCluster] = []
    kind_labels = dict(IndicatorKind.choices)

    # 1. A shared indicator.
    rows = (
        Indicator.objects.filter(case__in=window.values("pk"))
        .values("kind", "normalised", region=F(f"case__{REGION}"))
        .annotate(n=Count("case", distinct=True), ids=ArrayAgg("case_id", distinct=True))
        .filter(n__gte=minimum)
        .order_by("-n", "kind", "normalised")
    )
    for row in rows:
        found.append(
            FoundCluster(
                ClusterBasis.INDICATOR,
                f"indicator:{row['kind']}:{row['normalised']}",
                f"{kind_labels.get(row['kind'], row['kind'])} {row['normalised']}",
                row["region"],
                sorted(row["ids"]),
            )
        )

    # 2. Same incident type and same vendor (declared vendors).
    type_labels: dict[Any, str] = dict(IncidentType.objects.values_list("pk", "label"))
    vendor_rows = (
        window.filter(declaration__vendors__isnull=False, declaration__incident_type__isnull=False)
        .values(
            type_id=F("declaration__incident_type_id"),
            vendor=F("declaration__vendors"),
            in_region=F(REGION),
        )
        .annotate(n=Count("pk", distinct=True), ids=ArrayAgg("pk", distinct=True))
        .filter(n__gte=minimum)
        .order_by("-n")
    )
    vendor_ids = {row["vendor"] for row in vendor_rows}
    vendor_names = dict(Vendor.objects.filter(pk__in=vendor_ids).values_list("pk", "name"))
    for row in vendor_rows:
        found.append(
            FoundCluster(
                ClusterBasis.VENDOR,
                f"vendor:{row['type_id']}:{row['vendor']}",
                _("%(type)s — vendor %(vendor)s")
                % {
                    "type": type_labels.get(row["type_id"], "?"),
                    "vendor": vendor_names.get(row["vendor"], "?"),
                },
                row["in_region"],
                sorted(row["ids"]),
            )
        )

    # 3. Same incident type and same software (free text, normalised here).
    groups: dict[tuple[int, str, int], set[int]] = defaultdict(set)
    for pk, type_id, software, region_id in window.exclude(declaration__software="").values_list(
        "pk", "declaration__incident_type_id", "declaration__software", REGION
    ):
        if type_id is None:
            continue
        for name in software_names(software):
            groups[(type_id, name, region_id)].add(pk)
    for (type_id, name, region_id), ids in sorted(groups.items(), key=lambda i: -len(i[1])):
        if len(ids) >= minimum:
            found.append(
                FoundCluster(
                    ClusterBasis.SOFTWARE,
                    f"software:{type_id}:{name}",
                    _("%(type)s — software %(software)s")
                    % {"type": type_labels.get(type_id, "?"), "software": name},
                    region_id,
                    sorted(ids),
                )
            )

    found += _same_type_in_territory(window, type_minimum, type_labels)

    regions = dict(Region.objects.values_list("pk", "name"))
    for cluster in found:
        cluster.region_name = regions.get(cluster.region_id, "")
    return found


def _same_type_in_territory(
    window: QuerySet[Case], minimum: int, type_labels: dict[Any, str]
) -> list[FoundCluster]:
    """4. The same incident type in one département, then in one region. A region's group
    that holds exactly the cases of one of its départements' groups says nothing more:
    only the département's is kept (the region's appears once the wave spreads)."""
    by_departement: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    by_region: dict[tuple[int, int], set[int]] = defaultdict(set)
    for pk, type_id, departement_id, region_id in window.filter(
        declaration__incident_type__isnull=False
    ).values_list("pk", "declaration__incident_type_id", "structure__departement_id", REGION):
        by_departement[(type_id, departement_id, region_id)].add(pk)
        by_region[(type_id, region_id)].add(pk)
    departements = {
        d.pk: str(d)
        for d in Departement.objects.filter(
            pk__in={key[1] for key, ids in by_departement.items() if len(ids) >= minimum}
        )
    }
    found: list[FoundCluster] = []
    kept: set[tuple[int, frozenset[int]]] = set()
    for (type_id, departement_id, region_id), ids in sorted(
        by_departement.items(), key=lambda item: (-len(item[1]), item[0])
    ):
        if len(ids) < minimum:
            continue
        kept.add((type_id, frozenset(ids)))
        found.append(
            FoundCluster(
                ClusterBasis.TYPE_DEPARTEMENT,
                f"type_departement:{type_id}:{departement_id}",
                _("%(type)s — département %(departement)s")
                % {
                    "type": type_labels.get(type_id, "?"),
                    "departement": departements[departement_id],
                },
                region_id,
                sorted(ids),
            )
        )
    for (type_id, region_id), ids in sorted(
        by_region.items(), key=lambda item: (-len(item[1]), item[0])
    ):
        if len(ids) < minimum or (type_id, frozenset(ids)) in kept:
            continue
        found.append(
            FoundCluster(
                ClusterBasis.TYPE_REGION,
                f"type_region:{type_id}:{region_id}",
                _("%(type)s — several départements of the region")
                % {"type": type_labels.get(type_id, "?")},
                region_id,
                sorted(ids),
            )
        )
    return found
