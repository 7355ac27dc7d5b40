"""Pure domain logic: no Textual, no botocore, no SQLite. Everything here is plain data and functions."""
