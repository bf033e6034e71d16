"""Seed the six kinds of service (P1); see xinfang/legalservices/seed.py. Existing kinds are left alone."""

from django.db import migrations


def seed(apps, schema_editor):
    from xinfang.legalservices.seed import seed_kinds

    seed_kinds(apps.get_model("legalservices", "ServiceKind"))


class Migration(migrations.Migration):
    dependencies = [("legalservices", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
