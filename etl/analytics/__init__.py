"""Analytic layer build: extract (PostgreSQL → Arrow), transform (pure marts), write (Parquet, DuckDB)."""
