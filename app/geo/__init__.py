"""Pure geographic helpers (no Flask): bbox parsing, Web Mercator tile maths, SQL fragments."""
