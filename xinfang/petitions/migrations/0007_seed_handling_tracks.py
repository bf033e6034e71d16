"""Seed the classified-handling list with the default tracks (xinfang/petitions/tracks.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from xinfang.petitions.tracks import DEFAULT_TRACKS

    HandlingTrack = apps.get_model("petitions", "HandlingTrack")
    for code, name, name_en, procedure, basis, body, period, unit, order in DEFAULT_TRACKS:
        HandlingTrack.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "procedure": procedure,
                "legal_basis": basis,
                "receiving_body_hint": body,
                "petitioner_period": period,
                "petitioner_period_unit": unit,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("petitions", "0006_handling")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
