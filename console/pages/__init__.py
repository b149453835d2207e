"""The console's pages: each module registers its page(s) and callbacks with the access registry."""

from __future__ import annotations

from dash import Dash

from console.access import AccessRegistry
from console.pages import (
    admin_audit,
    admin_users,
    batch,
    document_desk,
    documents,
    forecast,
    home,
    incidents,
    issuance,
    ledger,
    overview,
    person,
    reservation_rules,
    reservations,
    reservations_setup,
    sla,
    statistics,
)

MODULES = (
    home,
    overview,
    forecast,
    ledger,
    person,
    batch,
    issuance,
    reservations,
    reservations_setup,
    reservation_rules,
    statistics,
    admin_users,
    admin_audit,
    incidents,
    sla,
    documents,
    document_desk,
)


def register_all(app: Dash, registry: AccessRegistry) -> None:
    """Register every page module."""
    for module in MODULES:
        module.register(app, registry)
