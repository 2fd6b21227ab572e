"""Alembic environment: runs migrations online against the configured URL."""
from __future__ import annotations

from alembic import context

from bot.storage.db import make_engine
from bot.storage.models import Base

config = context.config

# Rasa's tracker store keeps its own `events` table in the same database; it is
# Rasa's to manage, so autogenerate must never propose dropping it.
FOREIGN_TABLES = {"events"}


def include_name(name, type_, parent_names) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # bot.storage.migrate sets it from the settings before running this file
        raise RuntimeError("no sqlalchemy.url: run migrations with `peerbot db ...` (bot.storage.migrate)")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                include_name=include_name,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations()
