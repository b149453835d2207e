"""Demo data for MynaDesk: nothing here runs in the product, only `make demo`, the tests and the benchmarks.

- `demo.synth`: realistic synthetic input files for Fujisawa, the resident register extract and the card
  ledger export (`mynadesk data generate`).
- `demo.seed`: Fujisawa's venues, procedures, opening hours and slots (`mynadesk site seed`).
- `demo.bookings`: a booking history and coming bookings on those slots (`mynadesk site seed
  --demo-bookings`).

Demo code may import core, etl and the apps; none of them imports demo (an import-linter contract in
pyproject.toml), so the product never depends on made-up data.
"""
