-- Clearance (准入清单): catalogue applications with every version and review event, enforcement
-- (assignments and refused attempts), entrustment agreements with payments, signboards, seal uses,
-- per-jurisdiction settings and burden baselines. Dates are ISO 'YYYY-MM-DD' text.
CREATE TABLE clearance_applications (
    id TEXT PRIMARY KEY NOT NULL,
    department_id TEXT NOT NULL REFERENCES departments(id),
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    list TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX clearance_applications_path ON clearance_applications(path);
CREATE INDEX clearance_applications_jurisdiction ON clearance_applications(jurisdiction_id, status);
CREATE INDEX clearance_applications_department ON clearance_applications(department_id);

CREATE TABLE clearance_application_versions (
    application_id TEXT NOT NULL REFERENCES clearance_applications(id),
    version INTEGER NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    title TEXT NOT NULL,
    description TEXT,
    kind TEXT NOT NULL,
    list TEXT NOT NULL,
    legal_basis_kind TEXT NOT NULL,
    legal_basis_reference TEXT NOT NULL,
    frequency TEXT NOT NULL,
    funding_amount_cents BIGINT,
    funding_unit TEXT,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, version)
);

CREATE TABLE clearance_application_events (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES clearance_applications(id),
    version INTEGER NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT,
    actor_id TEXT,
    actor_role TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX clearance_application_events_application ON clearance_application_events(application_id, id);

CREATE TABLE clearance_assignments (
    id TEXT PRIMARY KEY NOT NULL,
    batch_id TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES clearance_applications(id),
    department_id TEXT NOT NULL REFERENCES departments(id),
    community_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    due_on TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    answered_by TEXT,
    answered_at TIMESTAMP
);
CREATE INDEX clearance_assignments_path ON clearance_assignments(path);
CREATE INDEX clearance_assignments_department ON clearance_assignments(department_id, id);
CREATE INDEX clearance_assignments_community ON clearance_assignments(community_id);

CREATE TABLE clearance_unadmitted_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    department_id TEXT NOT NULL REFERENCES departments(id),
    path TEXT NOT NULL,
    application_id TEXT,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    community_ids TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX clearance_unadmitted_attempts_department ON clearance_unadmitted_attempts(department_id, id);
CREATE INDEX clearance_unadmitted_attempts_path ON clearance_unadmitted_attempts(path);

CREATE TABLE clearance_agreements (
    id TEXT PRIMARY KEY NOT NULL,
    principal_department_id TEXT REFERENCES departments(id),
    principal_jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    community_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    title TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX clearance_agreements_path ON clearance_agreements(path);
CREATE INDEX clearance_agreements_community ON clearance_agreements(community_id);

CREATE TABLE clearance_agreement_items (
    agreement_id TEXT NOT NULL REFERENCES clearance_agreements(id),
    application_id TEXT NOT NULL REFERENCES clearance_applications(id),
    PRIMARY KEY (agreement_id, application_id)
);
CREATE INDEX clearance_agreement_items_application ON clearance_agreement_items(application_id);

CREATE TABLE clearance_agreement_payments (
    id TEXT PRIMARY KEY NOT NULL,
    agreement_id TEXT NOT NULL REFERENCES clearance_agreements(id),
    amount_cents BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX clearance_agreement_payments_agreement ON clearance_agreement_payments(agreement_id, id);

CREATE TABLE clearance_signboards (
    id TEXT PRIMARY KEY NOT NULL,
    community_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES clearance_applications(id),
    placement TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    removed_by TEXT,
    removed_at TIMESTAMP
);
CREATE INDEX clearance_signboards_community ON clearance_signboards(community_id, id);

CREATE TABLE clearance_seal_uses (
    id TEXT PRIMARY KEY NOT NULL,
    community_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES clearance_applications(id),
    used_on TEXT NOT NULL,
    purpose TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX clearance_seal_uses_community ON clearance_seal_uses(community_id, id);

CREATE TABLE clearance_settings (
    jurisdiction_id TEXT PRIMARY KEY NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    outside_signboard_limit INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE clearance_baselines (
    id TEXT PRIMARY KEY NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    item_count INTEGER NOT NULL,
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX clearance_baselines_jurisdiction ON clearance_baselines(jurisdiction_id, kind, id);
