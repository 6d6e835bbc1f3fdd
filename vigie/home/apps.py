from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The top of the stack: what needs every app (the reference and demo loaders).
    Nothing imports it, so that the other apps' dependencies run one way."""

    name = "vigie.home"
    label = "home"
    verbose_name = _("Home")
