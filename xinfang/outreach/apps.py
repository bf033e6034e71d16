from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    """Cadres at the grassroots (四下基层, P8): leaders' reception days open to public booking,
    outreach visits and on-site offices, cadres assigned to villages and grids (包联) with their visit
    plans, and the matters raised on visits, resolved on the spot or passed on as petitions, grid
    events or mediation cases (linked both ways)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.outreach"
    verbose_name = _("四下基层")
