"""The mynadesk command line."""
