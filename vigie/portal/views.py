"""Public portal pages: no login needed, published items only (editors also see drafts)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_safe

from vigie.portal import editorial, selectors
from vigie.portal.models import CompetenceLevel, DocumentKind, Revision, Severity
from vigie.retex.models import AnonymisedRetex, sections

STATISTICS_PATH = "/statistiques/"


def _statistics_url() -> str | None:
    """The published statistics belong to vigie.insights; link them once they exist."""
    try:
        resolve(STATISTICS_PATH)
    except Resolver404:
        return None
    return STATISTICS_PATH


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "portal/home.html",
        {
            "bulletins": selectors.bulletins(user)[:5],
            "sheets": selectors.sheets(user)[:5],
            "guides": selectors.guides(user)[:5],
            "retex": selectors.retex_published(user)[:5],
            "statistics_url": _statistics_url(),
        },
    )


def _page(request: HttpRequest, items: object) -> object:
    return Paginator(items, 20).get_page(request.GET.get("page"))  # type: ignore[arg-type]


@require_safe
def bulletin_list(request: HttpRequest) -> HttpResponse:
    items = selectors.bulletins(request.user)
    severity = request.GET.get("severity", "")
    if severity in Severity.values:
        items = items.filter(severity=severity)
    return render(
        request,
        "portal/bulletin_list.html",
        {"page": _page(request, items), "severities": Severity.choices, "severity": severity},
    )


@require_safe
def bulletin_detail(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(selectors.bulletins(request.user), slug=slug)
    return render(request, "portal/bulletin_detail.html", {"item": item})


@require_safe
def sheet_list(request: HttpRequest) -> HttpResponse:
    items = selectors.sheets(request.user)
    audience = request.GET.get("audience", "")
    if audience in CompetenceLevel.values:
        items = items.filter(audience=audience)
    return render(
        request,
        "portal/sheet_list.html",
        {"page": _page(request, items), "audiences": CompetenceLevel.choices, "audience": audience},
    )


@require_safe
def sheet_detail(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(selectors.sheets(request.user), slug=slug)
    return render(request, "portal/sheet_detail.html", {"item": item})


@require_safe
def guide_list(request: HttpRequest) -> HttpResponse:
    items = selectors.guides(request.user)
    return render(request, "portal/guide_list.html", {"page": _page(request, items)})


@require_safe
def guide_detail(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(selectors.guides(request.user), slug=slug)
    return render(request, "portal/guide_detail.html", {"item": item})


@require_safe
def provider_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/provider_list.html",
        {
            "items": selectors.providers(request.user),
            "version": selectors.providers_version(request.user),
        },
    )


# --- versions: what a structure was sent stays readable at its address ------------------


def _version_page(request: HttpRequest, version: Revision) -> HttpResponse:
    spec = editorial.kind_of(version.kind)
    document = version.document
    if spec.model is None:
        latest = selectors.providers_version(request.user)
        current_url = reverse("portal:provider_list")
        is_current = latest is not None and latest.pk == version.pk
        withdrawn = False
    else:
        assert document is not None
        is_current = document.is_published and document.version == version.number
        withdrawn = not document.is_published
        current_url = document.get_absolute_url()
    context: dict[str, object] = {
        "version": version,
        "spec": spec,
        "is_current": is_current,
        "withdrawn": withdrawn,
        "current_url": current_url,
    }
    if spec.model is None:
        context["entries"] = editorial.sorted_entries(version.data)
    else:
        context["doc"] = spec.display(version.data)
    return render(request, "portal/version_detail.html", context)


def _version(request: HttpRequest, kind: str, number: int, **document: str) -> HttpResponse:
    version = get_object_or_404(
        selectors.versions(request.user).select_related("bulletin", "sheet", "guide"),
        kind=kind,
        number=number,
        **document,
    )
    return _version_page(request, version)


@require_safe
def bulletin_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _version(request, DocumentKind.BULLETIN, number, bulletin__slug=slug)


@require_safe
def sheet_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _version(request, DocumentKind.REFLEX_SHEET, number, sheet__slug=slug)


@require_safe
def guide_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _version(request, DocumentKind.GUIDE, number, guide__slug=slug)


@require_safe
def provider_version(request: HttpRequest, number: int) -> HttpResponse:
    return _version(request, DocumentKind.PROVIDERS, number)


@require_safe
def retex_list(request: HttpRequest) -> HttpResponse:
    items = selectors.retex_published(request.user)
    return render(request, "portal/retex_list.html", {"page": _page(request, items)})


@require_safe
def retex_detail(request: HttpRequest, slug: str) -> HttpResponse:
    item: AnonymisedRetex = get_object_or_404(selectors.retex_published(request.user), slug=slug)
    return render(request, "portal/retex_detail.html", {"item": item, "sections": sections(item)})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    # PostgreSQL refuses NUL bytes in text: they cannot be part of any word anyway.
    query = request.GET.get("q", "")[:200].replace("\x00", "")
    hits = selectors.search(request.user, query)
    return render(request, "portal/search.html", {"query": query, "hits": hits})
