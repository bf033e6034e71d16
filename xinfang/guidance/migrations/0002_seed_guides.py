"""Seed the complaint and appeal guides (O2) with the default texts (xinfang/guidance/guide_texts.py);
traditional Chinese converted from the simplified text by OpenCC here, once."""

from django.db import migrations


def seed(apps, schema_editor):
    from xinfang.core.text import to_traditional
    from xinfang.guidance.guide_texts import DEFAULT_GUIDES

    Guide = apps.get_model("guidance", "Guide")
    for default in DEFAULT_GUIDES:
        Guide.objects.get_or_create(
            slug=default.slug,
            defaults={
                "sort_order": default.sort_order,
                "title_zh_hans": default.title,
                "title_zh_hant": to_traditional(default.title),
                "title_en": default.title_en,
                "summary_zh_hans": default.summary,
                "summary_zh_hant": to_traditional(default.summary),
                "summary_en": default.summary_en,
                "body_zh_hans": default.body,
                "body_zh_hant": to_traditional(default.body),
                "body_en": default.body_en,
                "is_published": True,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("guidance", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
