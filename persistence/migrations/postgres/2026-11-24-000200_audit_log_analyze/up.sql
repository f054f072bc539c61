-- The audit log (审计日志) only grows, and autovacuum analyzes a table after changes to 10% of it
-- by default: 4.6M entries at 10M requests (45.5M entries). Until then the planner judges a
-- subtree's share of the log by old statistics; at that size a grid's page took 0.34-0.47 s on
-- stale ones and 0.03-0.1 s after ANALYZE (BENCHMARKS.md, twelfth round). Analyzing after 0.5%
-- (≈230,000 entries there) keeps them fresh; ANALYZE reads a fixed sample, not the whole table.
-- SET (...) takes a SHARE UPDATE EXCLUSIVE lock, so reads and writes go on; it would wait behind
-- a running VACUUM, ANALYZE or CREATE INDEX CONCURRENTLY on the table, so the migration gives up
-- after 30 s (the server does not start; start it again later) rather than hold the start up.
-- SQLite has no automatic ANALYZE: no counterpart there.
SET LOCAL lock_timeout = '30s';
ALTER TABLE audit_log SET (autovacuum_analyze_scale_factor = 0.005);
