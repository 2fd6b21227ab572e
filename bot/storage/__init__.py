"""Storage: the tables (``models/``, by subject), the database and its sessions
(``db``), UTC-aware column types (``types``), claimed-row queues (``outbox``) and the
Alembic migrations that make every schema change."""
