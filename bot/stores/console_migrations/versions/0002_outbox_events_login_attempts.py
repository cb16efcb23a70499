"""Outbox events for Rasa (claimed/closed), delivery retry times, and login attempts.

Revision ID: 0002
Revises: 0001

``handoff_messages.event`` marks outbox rows that are not text replies but a notice to the bot
(``handoff_claimed``, ``handoff_closed``); ``not_before`` holds a row back while another delivery
worker has leased it or after a failed attempt (backoff). ``login_attempts`` lets the console
rate-limit logins per username and per address across restarts and processes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_messages") as batch:
        batch.add_column(sa.Column("event", sa.String(32)))
        batch.add_column(sa.Column("not_before", sa.Float))
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("ip", sa.String(64), nullable=False, index=True),
        sa.Column("success", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_attempts")
    with op.batch_alter_table("handoff_messages") as batch:
        batch.drop_column("not_before")
        batch.drop_column("event")
