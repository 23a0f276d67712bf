"""SECURITY 4: tampered filters or hidden fields (`province`, `school_id`, `service_id`)
change nothing.

A school or care service only ever works inside its own tenant, whatever the request names:

- GET: the lists and exports of the Antwerp school and the Antwerp service answer exactly the
  same with another tenant's province, school or service added to the query string;
- POST: every form the role may post, with its own real ids and a form that would succeed,
  posted with another tenant's `school_id`, `service_id`, `care_service_id`, `province` and
  `school` added as (hidden) fields, creates or changes rows of the walker's own tenant only.

The world (two schools, services in Antwerpen and Limburg) is SECURITY 1's; see
tests/test_sec_01_cross_tenant.py.
"""

import io
import re

import openpyxl
import pytest

from app.models import Base
from tests.test_sec_01_cross_tenant import build_world, log_in, snapshot, visit
from tests.test_sec_06_07_csrf_walk import post_requests

# Whose rows a role may create or change, and the column that names the owner.
OWNER = {"school": ("school_id", "school_a"), "service": ("care_service_id", "svc_a")}


def tampered_query(world) -> dict:
    """Every name a filter of another tenant could go by, with that tenant's values."""
    i = world.ids
    return {
        "province": "LIM",
        "provincie": "LIM",
        "school": i["school_b"],
        "school_id": i["school_b"],
        "service": i["svc_b"],
        "service_id": i["svc_b"],
        "care_service_id": i["svc_b"],
        "dienst": i["svc_b"],
        "status": "aanvaard",
    }


def linked_ids(html: str, prefix: str) -> set[int]:
    return {int(n) for n in re.findall(rf'href="{re.escape(prefix)}(\d+)"', html)}


def cells(xlsx: bytes) -> list[tuple]:
    """The values of an XLSX's cells, row by row."""
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


# The lists of each role (url, the prefix of the links to the students they show), and the
# students of another tenant.
LISTS = {
    "school": [("/studenten", "/studenten/")],
    "service": [
        ("/dienst/aanvragen", "/dienst/aanvragen/"),
        ("/dienst/stagiairs", "/dienst/aanvragen/"),
    ],
}
FOREIGN_STUDENTS = {
    "school": ("stu_b", "stu_b_closed", "stu_b_final", "stu_b_ant"),
    "service": ("stu_b", "stu_b_closed", "stu_b_final"),
}


@pytest.mark.parametrize("role", ["school", "service"])
def test_sec_04_a_tampered_query_string_changes_no_list_and_no_export(app, role):
    """The role's lists (page and htmx fragment) link the same students, none of another
    tenant, and its exports hold the same rows, with or without another tenant's
    province, school or service in the query string."""
    world = build_world(app)
    client = log_in(app, world, role)
    tampered = tampered_query(world)
    foreign = {world.ids[key] for key in FOREIGN_STUDENTS[role]}
    for url, prefix in LISTS[role]:
        for headers in ({}, {"HX-Request": "true"}):
            plain = visit(client, url, headers=headers)
            forged = visit(client, url, headers=headers, query_string=tampered)
            assert plain.status_code == forged.status_code == 200, url
            shown = linked_ids(plain.text, prefix)
            assert shown, f"{url} lists nobody: the comparison would prove nothing"
            assert linked_ids(forged.text, prefix) == shown, (url, headers)
            assert not shown & foreign, url
    for kind in ("csv", "csv_excel", "xlsx"):
        plain = visit(client, "/export/bestand", query_string={"format": kind})
        forged = visit(
            client, "/export/bestand", query_string={**tampered, "format": kind}
        )
        assert plain.status_code == forged.status_code == 200, kind
        rows = cells(plain.data) if kind == "xlsx" else plain.data.splitlines()
        assert len(rows) > 1, f"the {kind} export is empty"
        # an XLSX (a zip) carries the moment it was written: its cells are compared
        assert (
            cells(forged.data) if kind == "xlsx" else forged.data.splitlines()
        ) == rows


def owned_rows(before: dict, after: dict, column: str):
    """(table, row as a dict) for every row the walk created or changed in a table that has
    an owner column."""
    for name, table in Base.metadata.tables.items():
        if column not in table.columns:
            continue
        names = [c.name for c in table.columns]
        for row in set(after[name]) - set(before[name]):
            yield name, dict(zip(names, row, strict=True))


@pytest.mark.parametrize("role", ["school", "service"])
def test_sec_04_hidden_fields_of_another_tenant_in_every_post_change_nothing_of_it(
    app, role
):
    """Every POST of the role, with another tenant's ids added as fields, creates or
    changes only rows owned by the role's own school or service."""
    world = build_world(app)
    client = log_in(app, world, role)
    column, own_key = OWNER[role]
    own = world.ids[own_key]
    tampered = tampered_query(world)
    before = snapshot(app)
    for _, url, form in post_requests(app, world, role):
        # the form's own fields win (a student's home province is the school's to choose)
        visit(client, url, "POST", data={**tampered, **form})
    after = snapshot(app)
    written = list(owned_rows(before, after, column))
    assert [(t, row) for t, row in written if row[column] != own] == []
    # the walk wrote rows of every kind that names its owner: the check above saw them
    made = {table for table, _ in written}
    must = {
        "school": {"student", "supervisor"},
        "service": {"placement", "mentor", "service_capacity"},
    }[role]
    assert must <= made, f"nothing written in {must - made}"
