//! Tests for the generator and the generated crate live under `tests/`.
