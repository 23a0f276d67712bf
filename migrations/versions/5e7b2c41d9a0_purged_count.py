"""purged count: the dashboard's figures of students removed by `flask purge-students` (NF-5)

Revision ID: 5e7b2c41d9a0
Revises: 8a1f0c2d9e31
Create Date: 2026-12-01 10:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e7b2c41d9a0"
down_revision = "8a1f0c2d9e31"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "purged_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=3), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("declined", sa.Integer(), nullable=False),
        sa.Column("stopped", sa.Integer(), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_purged_count_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["term.id"], name=op.f("fk_purged_count_term_id_term")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purged_count")),
        sa.UniqueConstraint(
            "term_id",
            "school_id",
            "province",
            name=op.f("uq_purged_count_term_id_school_id_province"),
        ),
    )
    with op.batch_alter_table("purged_count", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purged_count_school_id"), ["school_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("purged_count", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purged_count_school_id"))
    op.drop_table("purged_count")
