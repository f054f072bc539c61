-- Foundation: jurisdictions, departments, accounts, tokens, audit log, idempotency keys.
-- Timestamps are UTC (TIMESTAMP, microseconds); ids are UUIDv7 text.
CREATE TABLE jurisdictions (
    id TEXT PRIMARY KEY NOT NULL,
    parent_id TEXT REFERENCES jurisdictions(id),
    level TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT,
    path TEXT NOT NULL UNIQUE,
    households INTEGER,
    population INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX jurisdictions_parent ON jurisdictions(parent_id);

CREATE TABLE departments (
    id TEXT PRIMARY KEY NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX departments_code ON departments(jurisdiction_id, code);
CREATE INDEX departments_path ON departments(path text_pattern_ops);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    phone TEXT,
    secret_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    jurisdiction_id TEXT REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    department_id TEXT REFERENCES departments(id),
    organisation_id TEXT,
    status TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);
CREATE INDEX accounts_path ON accounts(path text_pattern_ops);
CREATE INDEX accounts_jurisdiction ON accounts(jurisdiction_id);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoke_reason TEXT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_account ON refresh_tokens(account_id);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_role TEXT,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT,
    path TEXT NOT NULL,
    request_id TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_path ON audit_log(path text_pattern_ops, id);
CREATE INDEX audit_log_target ON audit_log(target_type, target_id);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, idem_key)
);
