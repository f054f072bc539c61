-- The audit log (审计日志) is read oldest first by (at, id), page after page (keyset), in a
-- subtree and by actor, action, target or time window (persistence/src/audit.rs). Each of these
-- filters gets an index that leads with it and ends with (at, id), so that it both narrows and
-- orders and a page costs the same at any size of the log; (at, id) alone serves the window and
-- the unfiltered pages. They replace (target_type, target_id), which could neither order a
-- target's entries nor serve `target_id` alone. At 10M requests (45.5M entries) a filter with no
-- such index walked the whole log: 41-137 s (BENCHMARKS.md, eleventh round).
-- On a large live database build them first, under the same names and columns, with CREATE
-- INDEX CONCURRENTLY (writes go on meanwhile); IF NOT EXISTS then finds them and this migration
-- only drops the old index. A concurrent build that failed leaves an INVALID index of that name,
-- which IF NOT EXISTS would accept: check pg_index.indisvalid, drop and rebuild such an index.
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at, id);
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log(actor_id, at, id);
CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log(action, at, id);
CREATE INDEX IF NOT EXISTS audit_log_target_type ON audit_log(target_type, at, id);
CREATE INDEX IF NOT EXISTS audit_log_target_id ON audit_log(target_id, at, id);
DROP INDEX IF EXISTS audit_log_target;
