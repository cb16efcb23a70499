"""Alembic environment: runs migrations on the connection given by :mod:`bot.stores.console_database`.

The model modules are imported so that ``Base.metadata`` holds every table (for autogenerate).
"""

from importlib import import_module

from alembic import context

from bot.stores.console_database import Base

for models in ("bot.handoff.models", "bot.review.models"):  # the handoff, staff, audit and review tables
    import_module(models)

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
