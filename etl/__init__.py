"""ETL: register extracts and card ledger into PostgreSQL; the analytic layer (synthetic data: demo/)."""
