"""All MynaDesk tables, one module per PostgreSQL schema."""

from core.db.models import audit, booking, cards, documents, forms, ops, register, staff

__all__ = ["audit", "booking", "cards", "documents", "forms", "ops", "register", "staff"]
