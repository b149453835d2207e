"""My Number card reader: the protocol (pure), the PC/SC transport (pcsc.py, the only pyscard import),
a software card and a vpcd virtual card for tests, and the local HTTP agent the console calls (API.md)."""
