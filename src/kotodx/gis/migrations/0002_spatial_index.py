"""The spatial index of features: an R*Tree virtual table kept by triggers on SQLite, a GiST index on the
bounding box on PostgreSQL. Both answer "which features' boxes meet this box" from the index."""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS gis_feature_rtree USING rtree(id, minx, maxx, miny, maxy)",
    "CREATE TRIGGER IF NOT EXISTS gis_feature_rtree_ins AFTER INSERT ON gis_feature BEGIN "
    "INSERT INTO gis_feature_rtree VALUES (new.id, new.minx, new.maxx, new.miny, new.maxy); END",
    "CREATE TRIGGER IF NOT EXISTS gis_feature_rtree_upd AFTER UPDATE ON gis_feature BEGIN "
    "UPDATE gis_feature_rtree SET minx = new.minx, maxx = new.maxx, miny = new.miny, maxy = new.maxy "
    "WHERE id = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS gis_feature_rtree_del AFTER DELETE ON gis_feature BEGIN "
    "DELETE FROM gis_feature_rtree WHERE id = old.id; END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS gis_feature_rtree_ins",
    "DROP TRIGGER IF EXISTS gis_feature_rtree_upd",
    "DROP TRIGGER IF EXISTS gis_feature_rtree_del",
    "DROP TABLE IF EXISTS gis_feature_rtree",
]
PG_UP = [
    "CREATE INDEX IF NOT EXISTS gis_feature_box_gist ON gis_feature "
    "USING gist (box(point(minx, miny), point(maxx, maxy)))"
]
PG_DOWN = ["DROP INDEX IF EXISTS gis_feature_box_gist"]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("gis", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        ),
    ]
