"""MynaDesk core: domain rules, persistence and services shared by every app."""
