from django.db import migrations


def seed(apps, schema_editor):
    from xinfang.grid.seed import categories_seed

    categories_seed(apps.get_model("grid", "DisputeCategory"), apps.get_model("grid", "CategoryDue"))


class Migration(migrations.Migration):
    dependencies = [("grid", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
