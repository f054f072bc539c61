-- Ledgers (电子台账), households (户) and visits (包片联户).
CREATE TABLE ledger_types (
    id TEXT PRIMARY KEY NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    entry_kinds TEXT NOT NULL,
    allows_manual BOOLEAN NOT NULL,
    clearance_item_id TEXT,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX ledger_types_code ON ledger_types(jurisdiction_id, code);
CREATE INDEX ledger_types_path ON ledger_types(path text_pattern_ops);

CREATE TABLE ledger_entries (
    id TEXT PRIMARY KEY NOT NULL,
    community_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    seq BIGINT NOT NULL,
    entry_kind TEXT NOT NULL,
    source_type TEXT NOT NULL,
    source_id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    payload TEXT NOT NULL,
    manual BOOLEAN NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (community_id, seq)
);
CREATE INDEX ledger_entries_source ON ledger_entries(source_type, source_id);
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'ledger_entries is append-only'; END $$;
CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE OR DELETE ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

CREATE TABLE ledger_heads (
    community_id TEXT PRIMARY KEY NOT NULL REFERENCES jurisdictions(id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE households (
    id TEXT PRIMARY KEY NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    community_id TEXT NOT NULL REFERENCES jurisdictions(id),
    address TEXT NOT NULL,
    size INTEGER NOT NULL,
    tags TEXT NOT NULL,
    head_name TEXT NOT NULL,
    head_phone TEXT,
    worker_id TEXT REFERENCES accounts(id),
    assigned_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX households_path ON households(path text_pattern_ops, id);
CREATE INDEX households_worker ON households(worker_id);

CREATE TABLE visits (
    id TEXT PRIMARY KEY NOT NULL,
    household_id TEXT NOT NULL REFERENCES households(id),
    worker_id TEXT NOT NULL REFERENCES accounts(id),
    community_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    visited_on TEXT NOT NULL,
    notes TEXT NOT NULL,
    problems TEXT NOT NULL,
    satisfaction INTEGER,
    request_id TEXT,
    ledger_seq BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX visits_worker ON visits(worker_id, visited_on);
CREATE INDEX visits_household ON visits(household_id);
CREATE INDEX visits_path ON visits(path text_pattern_ops, id);
