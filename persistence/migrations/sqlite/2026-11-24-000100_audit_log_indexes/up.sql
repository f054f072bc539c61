-- The audit log (审计日志) is read oldest first by (at, id), page after page (keyset), in a
-- subtree and by actor, action, target or time window (persistence/src/audit.rs). Each filter
-- gets an index that both narrows and orders, so a page costs the same at any size of the log;
-- target and path already narrow to few rows (audit_log_target, audit_log_path). Without these,
-- at 10M requests (45.5M entries) a filter walked the whole log: 41-137 s (BENCHMARKS.md).
-- IF NOT EXISTS: on a large live database build them first with CREATE INDEX CONCURRENTLY under
-- the same names (writes go on meanwhile); this migration then finds them and does nothing.
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at, id);
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log(actor_id, at, id);
CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log(action, at, id);
