"""Tallies per organisation subtree (docs/dashboards.md, "Rollups"): the old rows counted each
organisation alone and mean something else now, so both rollup tables are emptied here. Run
`manage.py dashboards_rollup_rebuild` after this migration on a database that has matters."""

from typing import Any

from django.db import migrations, models


def empty_rollups(apps: Any, schema_editor: Any) -> None:
    apps.get_model("dashboards", "Tally").objects.all().delete()
    apps.get_model("dashboards", "Fact").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(empty_rollups, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="tally",
            name="dashboards_tally_once",
        ),
        migrations.RemoveIndex(
            model_name="tally",
            name="dashboards_tally_period",
        ),
        migrations.AddConstraint(
            model_name="tally",
            constraint=models.UniqueConstraint(
                fields=("org_id", "period", "start", "dim", "value"), name="dashboards_tally_subtree_once"
            ),
        ),
    ]
