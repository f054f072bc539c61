DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only;
DROP TABLE refresh_tokens;
DROP TABLE accounts;
DROP TABLE departments;
DROP TABLE jurisdictions;
