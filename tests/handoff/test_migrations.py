"""The schema's migrations on SQLite and on PostgreSQL: the migrated schema is the tables the code
queries, migrating again does nothing, a database that create_all made is taken over with its
rows, `python -m handoff migrate`, and the service refusing a database that is behind."""

from __future__ import annotations

import time
from datetime import date

import pytest
import sqlalchemy as sa

from handoff.cli import main
from handoff.store import Store, metadata, schema
from tests.handoff.handoff_parts import (
    handoff,
    make_deployment,
    other,
    submission,
    submit,
    write_deployment,
)


@pytest.fixture
def bare(database):
    """A store on an empty database: no migration has run."""
    made = Store(database.url)
    yield made
    made.close()


def tables(store: Store) -> set[str]:
    return set(sa.inspect(store.engine).get_table_names())


# The tables the service made with create_all before migrations (the first migration's).
BEFORE_MIGRATIONS = ["applications", "deliveries", "audit", "users", "sessions",
                     "sign_in_attempts"]


def create_all_as_before(store: Store, write) -> None:
    """The schema as the service made it before migrations, holding what `write()` stores:
    written by today's code on today's tables, then what the migrations after the second added
    to those tables is taken away by their own downgrades, and the version forgotten."""
    metadata.create_all(store.engine, tables=[metadata.tables[name]
                                              for name in BEFORE_MIGRATIONS])
    write()
    downgrade(store, "0002", stamp="head")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")


def downgrade(store: Store, version: str, stamp: str | None = None) -> None:
    """Take the database back to `version` with the migrations' downgrades (from `stamp`, the
    version recorded first, when given)."""
    from alembic import command

    with store._writing.begin() as conn:
        if stamp:
            command.stamp(schema._config(conn), stamp)
        command.downgrade(schema._config(conn), version)


def test_the_migrated_schema_is_the_tables_the_code_queries(bare):
    assert bare.migrate() == (None, schema.head())
    with bare.engine.connect() as conn:
        assert schema.drift(conn) == []
    assert tables(bare) == set(metadata.tables) | {"alembic_version"}
    # The comparison sees a difference when there is one (it is not empty by construction).
    with bare.engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX deliveries_due")
        assert [d[0] for d in schema.drift(conn)] == ["add_index"]


def test_migrating_again_changes_nothing(bare):
    bare.migrate()
    first = submit(bare, "k1")
    assert bare.migrate() == (schema.head(), schema.head())
    assert bare.schema_behind() is None
    assert bare.find_submission("k1").to_json() == first.to_json()


def test_a_database_create_all_made_is_taken_over_with_its_rows(bare):
    def write():
        written.append(submit(bare, "k1"))
        (claimed, _) = bare.claim_due(time.time(), 30)
        bare.delivered(claimed["id"], time.time())
        bare.record_outcome(written[0].reference, {
            "threshold_met": True, "threshold_reason": "r",
            "threshold_decided_on": date(2026, 3, 12)}, "c", "x")
        bare.add_user("casey", "hash", "2026-03-10T09:00:00+00:00")
        written.append(bare.application(written[0].reference))

    written = []
    create_all_as_before(bare, write)
    first, before = written
    assert bare.schema_behind() is not None

    assert bare.migrate() == (None, schema.head())
    assert bare.application(first.reference) == before
    assert [d["state"] for d in bare.deliveries_of(first.reference)] == ["delivered", "pending"]
    assert bare.user("casey")["password_hash"] == "hash"
    with bare.engine.connect() as conn:
        assert schema.drift(conn) == []
    assert bare.submit(submission("k1")).to_json() == first.to_json()  # still answers
    assert bare.migrate() == (schema.head(), schema.head())


def test_a_database_made_before_body_hashes_gets_the_column_and_keeps_its_answers(bare):
    written = []
    create_all_as_before(bare, lambda: written.append(submit(bare, "k1")))
    (first,) = written
    with bare.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE applications DROP COLUMN body_hash")
    bare.migrate()
    with bare.engine.connect() as conn:
        assert schema.drift(conn) == []
    # A row from before: any body under its key gets its first answer, as it always did.
    assert bare.submit(other("k1")).to_json() == first.to_json()
    assert bare.submit(submission("k2")).created


def test_tables_the_service_did_not_make_are_left_as_they_are(bare):
    with bare.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE applications (id INTEGER PRIMARY KEY, name TEXT)")
        conn.exec_driver_sql("INSERT INTO applications (id, name) VALUES (1, 'theirs')")
    with pytest.raises(RuntimeError, match="'applications' has no column reference"):
        bare.migrate()
    assert tables(bare) == {"applications"}  # nothing made, nothing stamped
    with bare.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name FROM applications").scalar() == "theirs"


def test_migrate_command_migrates_once_then_has_nothing_to_do(database, tmp_path, monkeypatch,
                                                              capsys):
    monkeypatch.setenv("ASB_HANDOFF_DATABASE_URL", database.url)
    path = write_deployment(make_deployment(), tmp_path)
    assert main(["--deployment", str(path), "migrate"]) == 0
    assert f"migrated from nothing to {schema.head()}" in capsys.readouterr().out
    assert main(["--deployment", str(path), "migrate"]) == 0
    assert "nothing to do" in capsys.readouterr().out


@pytest.mark.integration
def test_the_service_refuses_a_database_that_is_behind_when_it_may_not_migrate(tmp_path):
    settings = {"migrate_at_start": False, "data_dir": str(tmp_path / "data")}
    path = write_deployment(make_deployment(handoff=settings), tmp_path)
    refused = handoff("--deployment", str(path), "serve", "--port", "1", cwd=tmp_path)
    assert refused.returncode != 0
    assert "not starting: the database has no schema version" in refused.stderr
    assert "python -m handoff migrate" in refused.stderr
    assert not (tmp_path / "data" / "intake-token").exists()  # it stopped before anything else
    migrated = handoff("--deployment", str(path), "migrate", cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    store = Store(f"sqlite:///{tmp_path / 'data' / 'handoff.sqlite3'}")
    try:
        assert store.schema_behind() is None
    finally:
        store.close()


def test_a_database_at_the_first_version_gets_the_after_applying_tables_and_keeps_its_rows(
        bare):
    bare.migrate()
    first = submit(bare, "k1")
    downgrade(bare, "0001")
    assert "case_progress" not in tables(bare)
    assert bare.migrate() == ("0001", schema.head())
    with bare.engine.connect() as conn:
        assert schema.drift(conn) == []
    assert bare.find_submission("k1").to_json() == first.to_json()
    assert bare.case(first.reference)["progress"]["outcome_on"] is None


def test_the_list_columns_are_filled_in_from_the_documents_held(bare):
    bare.migrate()
    kept = submit(bare, "k1")
    erased = submit(bare, "k2", channels=())  # nothing pending: erased below
    assert bare.erase_before(date(2027, 1, 1), date(2027, 1, 1)) == 1
    downgrade(bare, "0002")
    assert bare.migrate() == ("0002", schema.head())
    with bare.engine.connect() as conn:
        assert schema.drift(conn) == []
    for person in ("alex example", "SAM EXAMPLE", "an12bb", "AN1 2BB"):
        assert [row["reference"] for row in bare.list_applications(person=person)] == [
            kept.reference]
    assert {row["reference"]: row["language"] for row in bare.list_applications()} == {
        kept.reference: "en", erased.reference: None}


def test_the_users_there_are_become_caseworkers(bare):
    bare.migrate()
    bare.add_user("morgan", "hash", "2026-03-10T09:00:00+00:00", "manager")
    downgrade(bare, "0003")  # before roles
    assert bare.migrate() == ("0003", schema.head())
    (user,) = bare.list_users()
    assert (user["username"], user["role"], user["disabled_at"]) == ("morgan", "caseworker", None)


def test_the_prefills_table_comes_with_its_migration_and_goes_with_its_downgrade(bare):
    bare.migrate()
    bare.store_prefill("a" * 64, "anytown", [{"reported_on": "2026-03-02"}], 1.0, 2.0)
    downgrade(bare, "0004")  # before the 2nd-report offer
    assert "prefills" not in tables(bare)
    assert bare.migrate() == ("0004", schema.head())
    with bare.engine.connect() as conn:
        assert schema.drift(conn) == []
    assert bare.take_prefill("a" * 64, 1.5) is None  # a new, empty table
    bare.store_prefill("b" * 64, "anytown", [], 1.0, 2.0)
    assert bare.take_prefill("b" * 64, 1.5) == {"area_id": "anytown", "incidents": []}
