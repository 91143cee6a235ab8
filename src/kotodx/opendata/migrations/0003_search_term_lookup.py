"""Search terms: one index on (term, dataset, weight) that a word's lookup reads alone, instead of the
index on term and a read of each row."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("opendata", "0002_catalog_version"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="searchterm",
            index=models.Index(fields=["term", "dataset", "weight"], name="search_term_lookup"),
        ),
        migrations.AlterField(
            model_name="searchterm",
            name="term",
            field=models.CharField(max_length=100),
        ),
    ]
