from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from vigie.core import identity_views
from vigie.home import views as home_views

admin.site.site_header = "Vigie — administration"
admin.site.site_title = "Vigie"
# The admin's own password form is never served, whatever URL reaches it.
admin.site.login = identity_views.admin_login  # type: ignore[method-assign]

urlpatterns = [
    path("", home_views.home, name="home"),
    path("compte/profil/", home_views.account, name="account"),
    # Before allauth's own routes of the same names (see vigie/core/identity_views.py).
    path("compte/2fa/totp/activate/", identity_views.activate_totp, name="mfa_activate_totp"),
    path("compte/email/", identity_views.email, name="account_email"),
    path("compte/", include("allauth.urls")),
    path("structures/", include("vigie.directory.urls")),
    path("declarations/", include("vigie.declarations.urls")),
    path("dossiers/", include("vigie.cases.urls")),
    path("astreinte/", include("vigie.oncall.urls")),
    path("plan-action/", include("vigie.actionplan.urls")),
    path("retex/", include("vigie.retex.urls")),
    path("portail/", include("vigie.portal.urls")),
    path("", include("vigie.insights.urls")),  # /statistiques/ and case sub-pages
    path("notifications/", include("vigie.notifications.urls")),
    path("courriels/", include("vigie.inbox.urls")),
    path("communaute/", include("vigie.community.urls")),
    path("alertes/", include("vigie.alerts.urls")),
    path("demandes-editeurs/", include("vigie.alerts.vendor_urls")),
    # The admin signs in through allauth (password and second factor), never by itself.
    path("admin/login/", identity_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("vigie.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from our static files, its start-up script a separate file: the CSP
    # allows neither a CDN nor inline scripts and styles.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
]

handler400 = "vigie.core.views.bad_request"
handler403 = "vigie.core.views.permission_denied"
handler404 = "vigie.core.views.page_not_found"
handler500 = "vigie.core.views.server_error"
