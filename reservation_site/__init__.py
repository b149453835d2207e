"""Reservation site for residents (Flask) — built in a later issue."""
