"""Persistence: models, Alembic migrations, the embedded server, and engine.py, the one way to a session
(`session_factory(settings, role)`) and to the psycopg connection under it (`psycopg_connection`)."""
