CREATE INDEX IF NOT EXISTS audit_log_target ON audit_log(target_type, target_id);
DROP INDEX audit_log_target_id;
DROP INDEX audit_log_target_type;
DROP INDEX audit_log_action;
DROP INDEX audit_log_actor;
DROP INDEX audit_log_at;
