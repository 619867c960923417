"""The transactional outbox: jobs asked for by a write, recorded in PostgreSQL with the write."""
