"""list page indexes: the school overview reads one term of one school in name order, a care
service the open terms' requests of its province

Revision ID: 8a1f0c2d9e31
Revises: 3dad0b9ff99f
Create Date: 2026-11-30 11:55:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "8a1f0c2d9e31"
down_revision = "3dad0b9ff99f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.create_index(
            "ix_student_school_term_name",
            ["school_id", "term_id", "last_name", "first_name", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_student_term_province", ["term_id", "province"], unique=False
        )


def downgrade():
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.drop_index("ix_student_term_province")
        batch_op.drop_index("ix_student_school_term_name")
