"""mail request: reset and resend-activation requests, worked off by the send-mail timer
(SECURITY.md 14: the request does the same work for known and unknown addresses)

Revision ID: b7d41e9c2a60
Revises: 5e7b2c41d9a0
Create Date: 2026-11-30 15:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7d41e9c2a60"
down_revision = "5e7b2c41d9a0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_request")),
    )


def downgrade():
    op.drop_table("mail_request")
