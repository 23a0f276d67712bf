"""Migrations: an empty database upgrades to head and then matches the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from app.models import Base
from config import TestConfig
from tests.conftest import TEST_DATABASE_URL

SCHEMA = "migration_check"


def empty_database_uri(backend: str, tmp_path) -> str:
    """An empty database: a new SQLite file, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    return (
        TEST_DATABASE_URL
        + ("&" if "?" in TEST_DATABASE_URL else "?")
        + (f"options=-csearch_path%3D{SCHEMA}")
    )


def test_upgrade_from_empty_matches_the_models(backend, tmp_path):
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=empty_database_uri(backend, tmp_path)
    )
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {table.name for table in Base.metadata.sorted_tables} <= tables
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}),
                Base.metadata,
            )
        assert diff == []
        db.engine.dispose()


@pytest.mark.parametrize("table", ["student", "user", "placement"])
def test_constraints_are_named(table):
    for constraint in Base.metadata.tables[table].constraints:
        assert constraint.name, constraint
