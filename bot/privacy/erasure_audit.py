"""The anonymous audit trail of erased and purged conversations: when, which channel, why.

One row per erase (at the citizen's request, in the tracker store) or purge (retention); no
identifier and no text, so the trail proves erasures happened without keeping what was erased.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
erasure_audit = sa.Table(
    "erasure_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("erased_at", sa.Float, nullable=False),
    sa.Column("channel", sa.String(64)),
    sa.Column("note", sa.String(64), nullable=False),
)
