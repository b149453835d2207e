"""Scanned pages: reading a scanner's files, finding blank pages and QR codes, and the archive copies."""
