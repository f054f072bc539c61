-- Social organisations (社会组织): registry with versions and change requests, incubation,
-- venture philanthropy (公益创投), purchased services (政府购买服务), volunteers, points (积分)
-- and certified social workers (社工). Money in BIGINT cents; dates as ISO TEXT (YYYY-MM-DD).
CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    registration_status TEXT NOT NULL,
    credit_code TEXT UNIQUE,
    status TEXT NOT NULL,
    service_areas TEXT NOT NULL,
    party_branch BOOLEAN NOT NULL,
    party_branch_name TEXT,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organisations_path ON organisations(path);

CREATE TABLE organisation_communities (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL
);
CREATE UNIQUE INDEX organisation_communities_unique ON organisation_communities(organisation_id, jurisdiction_id);
CREATE INDEX organisation_communities_path ON organisation_communities(path);

CREATE TABLE organisation_versions (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX organisation_versions_unique ON organisation_versions(organisation_id, version);

CREATE TABLE organisation_changes (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    path TEXT NOT NULL,
    proposed TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    note TEXT
);
CREATE INDEX organisation_changes_org ON organisation_changes(organisation_id);

CREATE TABLE incubation_bases (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    capacity INTEGER,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX incubation_bases_path ON incubation_bases(path);

CREATE TABLE residencies (
    id TEXT PRIMARY KEY NOT NULL,
    base_id TEXT NOT NULL REFERENCES incubation_bases(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    path TEXT NOT NULL,
    entered_on TEXT NOT NULL,
    support TEXT NOT NULL,
    graduated_on TEXT,
    graduation_note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX residencies_base ON residencies(base_id);
CREATE INDEX residencies_org ON residencies(organisation_id);

CREATE TABLE venture_calls (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    eligibility TEXT NOT NULL,
    budget_cents BIGINT NOT NULL,
    awarded_cents BIGINT NOT NULL,
    deadline TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (awarded_cents <= budget_cents)
);
CREATE INDEX venture_calls_path ON venture_calls(path);

CREATE TABLE venture_applications (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES venture_calls(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    requested_cents BIGINT NOT NULL,
    status TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX venture_applications_call ON venture_applications(call_id);

CREATE TABLE venture_scores (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES venture_applications(id),
    reviewer_id TEXT NOT NULL,
    score INTEGER NOT NULL,
    comment TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX venture_scores_unique ON venture_scores(application_id, reviewer_id);

CREATE TABLE venture_projects (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES venture_calls(id),
    application_id TEXT NOT NULL UNIQUE REFERENCES venture_applications(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX venture_projects_path ON venture_projects(path);

CREATE TABLE milestones (
    id TEXT PRIMARY KEY NOT NULL,
    parent_id TEXT NOT NULL,
    title TEXT NOT NULL,
    due_on TEXT NOT NULL,
    completed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX milestones_parent ON milestones(parent_id);

CREATE TABLE project_reports (
    id TEXT PRIMARY KEY NOT NULL,
    project_id TEXT NOT NULL REFERENCES venture_projects(id),
    summary TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX project_reports_project ON project_reports(project_id);

CREATE TABLE project_beneficiaries (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES project_reports(id),
    project_id TEXT NOT NULL REFERENCES venture_projects(id),
    beneficiary_group TEXT NOT NULL,
    people INTEGER NOT NULL
);
CREATE INDEX project_beneficiaries_project ON project_beneficiaries(project_id);

CREATE TABLE service_contracts (
    id TEXT PRIMARY KEY NOT NULL,
    department_id TEXT NOT NULL REFERENCES departments(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    deliverables TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    paid_cents BIGINT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (paid_cents <= amount_cents)
);
CREATE INDEX service_contracts_path ON service_contracts(path);

CREATE TABLE contract_payments (
    id TEXT PRIMARY KEY NOT NULL,
    contract_id TEXT NOT NULL REFERENCES service_contracts(id),
    amount_cents BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    note TEXT,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contract_payments_contract ON contract_payments(contract_id);

CREATE TABLE volunteers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX volunteers_path ON volunteers(path);

CREATE TABLE volunteer_activities (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    activity_kind TEXT NOT NULL,
    held_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX volunteer_activities_path ON volunteer_activities(path);

CREATE TABLE volunteer_hours (
    id TEXT PRIMARY KEY NOT NULL,
    activity_id TEXT NOT NULL REFERENCES volunteer_activities(id),
    volunteer_id TEXT NOT NULL REFERENCES volunteers(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    path TEXT NOT NULL,
    activity_kind TEXT NOT NULL,
    day TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    status TEXT NOT NULL,
    points BIGINT,
    submitted_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP
);
CREATE INDEX volunteer_hours_activity ON volunteer_hours(activity_id);
CREATE INDEX volunteer_hours_volunteer ON volunteer_hours(volunteer_id, day);

CREATE TABLE points_rules (
    id TEXT PRIMARY KEY NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    activity_kind TEXT NOT NULL,
    basis TEXT NOT NULL,
    points INTEGER NOT NULL,
    daily_cap INTEGER,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);
CREATE INDEX points_rules_path ON points_rules(path);

CREATE TABLE points_ledger (
    id TEXT PRIMARY KEY NOT NULL,
    volunteer_id TEXT NOT NULL REFERENCES volunteers(id),
    path TEXT NOT NULL,
    delta BIGINT NOT NULL,
    reason TEXT NOT NULL,
    hours_id TEXT REFERENCES volunteer_hours(id),
    note TEXT,
    actor_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX points_ledger_volunteer ON points_ledger(volunteer_id);

CREATE TABLE social_workers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    certificate_no TEXT NOT NULL UNIQUE,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations(id),
    certified_on TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX social_workers_path ON social_workers(path);
CREATE TRIGGER organisation_versions_no_update BEFORE UPDATE ON organisation_versions
BEGIN SELECT RAISE(ABORT, 'organisation_versions is append-only'); END;
CREATE TRIGGER organisation_versions_no_delete BEFORE DELETE ON organisation_versions
BEGIN SELECT RAISE(ABORT, 'organisation_versions is append-only'); END;
CREATE TRIGGER contract_payments_no_update BEFORE UPDATE ON contract_payments
BEGIN SELECT RAISE(ABORT, 'contract_payments is append-only'); END;
CREATE TRIGGER contract_payments_no_delete BEFORE DELETE ON contract_payments
BEGIN SELECT RAISE(ABORT, 'contract_payments is append-only'); END;
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only'); END;
CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'points_ledger is append-only'); END;
