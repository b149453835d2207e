"""MynaDesk core: domain rules, persistence and services shared by every app; its settings (config.py) and the
data dir's layout (paths.py)."""
