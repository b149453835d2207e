"""The `mynadesk` command tree, one module per command group (`mynadesk <group> …` is commands/<group>.py).

Each module defines its group as `app`; mynadesk.cli registers them under the root. A command parses its
options, opens what it needs and calls the package that does the work (core.services, etl, reader, …).
"""
