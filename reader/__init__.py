"""My Number card reader: protocol, PC/SC transport, software card — built in a later issue."""
