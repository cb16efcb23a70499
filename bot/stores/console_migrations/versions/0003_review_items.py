"""Review queue: citizen messages the assistant did not understand well (bot/review).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_hash", sa.String(64), nullable=False, index=True),
        sa.Column("event_id", sa.BigInteger, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("reasons", sa.String(64), nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("confidence", sa.Float),
        sa.Column("ranking", sa.JSON, nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("script", sa.String(8)),
        sa.Column("embedding", sa.LargeBinary),
        sa.Column("said_at", sa.Float, nullable=False),
        sa.Column("collected_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at", sa.Float),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("staff_users.id")),
        sa.Column("decided_intent", sa.String(64)),
        sa.Column("decided_variety", sa.String(16)),
        sa.UniqueConstraint("conversation_hash", "event_id", name="uq_review_items_message"),
    )
    op.create_index("ix_review_items_status", "review_items", ["status", "said_at"])


def downgrade() -> None:
    op.drop_index("ix_review_items_status", "review_items")
    op.drop_table("review_items")
