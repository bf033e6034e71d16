"""Helpers shared by the benchmark scripts (not a benchmark itself: `make bench` skips files
starting with an underscore)."""

from __future__ import annotations


def pg_admin(url: str, sql: str) -> None:
    """Run one administrative statement (e.g. "DROP DATABASE IF EXISTS {}") on the server of
    `url`, with the database name of `url` quoted into the `{}`."""
    import psycopg
    from dj_database_url import parse
    from psycopg import sql as pgsql

    cfg = parse(url)
    with psycopg.connect(
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=3,
    ) as conn:
        conn.execute(pgsql.SQL(sql).format(pgsql.Identifier(cfg["NAME"])))
