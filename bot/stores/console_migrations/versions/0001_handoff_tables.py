"""Handoff tables: staff, handoffs, transcript/outbox messages, audit log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen_at", sa.Float),
    )
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
        sa.Column("channel", sa.String(64)),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("consent_scope", sa.String(16), nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("claimed_at", sa.Float),
        sa.Column("claimed_by", sa.Integer, sa.ForeignKey("staff_users.id")),
        sa.Column("closed_at", sa.Float),
        sa.Column("outcome", sa.String(32)),
        sa.Column("internal_note", sa.Text),
        sa.Column("alert_at", sa.Float),
        sa.Column("callback_phone", sa.LargeBinary),
        sa.Column("erased", sa.Boolean, nullable=False),
    )
    op.create_index("ix_handoffs_queue", "handoffs", ["status", "priority", "created_at"])
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "handoff_id",
            sa.Integer,
            sa.ForeignKey("handoffs.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff_users.id")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("history", sa.Boolean, nullable=False),
        sa.Column("alert", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("delivered_at", sa.Float),
        sa.Column("delivery_attempts", sa.Integer, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff_users.id")),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("handoff_id", sa.Integer),
        sa.Column("detail", sa.String(255)),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("handoff_messages")
    op.drop_index("ix_handoffs_queue", table_name="handoffs")
    op.drop_table("handoffs")
    op.drop_table("staff_users")
