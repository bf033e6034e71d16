from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("xinfang.core.urls")),
    path("accounts/", include("xinfang.accounts.urls")),
    path("orgs/", include("xinfang.orgs.urls")),
    path("calendar/", include("xinfang.workcalendar.urls")),
    path("audit/", include("xinfang.audit.urls")),
    path("matters/", include("xinfang.petitions.urls")),
    path("powerlist/", include("xinfang.powerlist.urls")),
    path("documents/", include("xinfang.notices.urls")),
    path("hotline/", include("xinfang.hotline.urls")),
    path("grid/", include("xinfang.grid.urls")),
    path("mediation/", include("xinfang.mediation.urls")),
    path("risk/", include("xinfang.risk.urls")),
    path("transfer/", include("xinfang.transfer.urls")),
    path("notifications/", include("xinfang.notify.urls")),
    path("supervision/", include("xinfang.supervision.urls")),
    path("order/", include("xinfang.publicorder.urls")),
    path("dashboards/", include("xinfang.dashboards.urls")),
    path("text/", include("xinfang.textmining.urls")),
    # The public site (no login): petitions, one-stop services, guidance maps and guides.
    path("portal/", include("xinfang.portal.urls")),
    path("services/", include("xinfang.legalservices.urls")),
    path("guide/", include("xinfang.guidance.urls")),
    path("outreach/", include("xinfang.outreach.urls")),  # reception days (public) and staff pages
    path("open311/", include("xinfang.open311.urls")),
    path("statistics/", include("xinfang.dashboards.public_urls")),  # open statistics (public)
    path("api/", include("xinfang.api.urls")),
    path("admin/", admin.site.urls),
]
