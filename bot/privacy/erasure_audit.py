"""The anonymous audit trail of erased conversations: when, on which channel, why — never who.

Written by the tracker store when a citizen erases a conversation and by retention
(bot/privacy/retention.py) when it deletes an expired one, in the tracker database.
"""

from __future__ import annotations

import sqlalchemy as sa

_metadata = sa.MetaData()
erasure_audit = sa.Table(
    "erasure_audit",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("erased_at", sa.Float, nullable=False),
    sa.Column("channel", sa.String(64)),
    sa.Column("note", sa.String(64), nullable=False),
)
