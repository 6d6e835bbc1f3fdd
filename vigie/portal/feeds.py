"""RSS 2.0 and Atom feeds of the published vulnerability bulletins."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from vigie.portal.models import Bulletin, PublicationState


class BulletinFeed(Feed[Bulletin, None]):
    title = _("Vigie — vulnerability bulletins")
    link = reverse_lazy("portal:bulletin_list")
    description = _("Vulnerability bulletins for health structures, published by the ACSS.")

    def items(self) -> list[Bulletin]:
        # A feed is public: published bulletins only, whoever asks.
        return list(
            Bulletin.objects.filter(state=PublicationState.PUBLISHED).order_by("-published_at")[:30]
        )

    def item_title(self, item: Bulletin) -> str:
        return item.title

    def item_description(self, item: Bulletin) -> str:
        cves = ", ".join(item.cve_ids)
        return f"[{item.get_severity_display()}] {cves}\n{item.summary}".strip()

    def item_pubdate(self, item: Bulletin) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Bulletin) -> datetime:
        return item.updated_at

    def item_categories(self, item: Bulletin) -> list[str]:
        return list(item.cve_ids)


class BulletinAtomFeed(BulletinFeed):
    feed_type = Atom1Feed
    subtitle = BulletinFeed.description
