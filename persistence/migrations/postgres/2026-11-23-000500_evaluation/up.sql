-- Evaluation (双评议, 双向评估): campaigns, residents' responses (one per household per
-- campaign), third-party imports, and communities' scores of departments (one per campaign,
-- community and department). Rows are never updated or deleted once written.
CREATE TABLE evaluation_campaigns (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    kinds TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    state TEXT NOT NULL,
    questionnaire TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES accounts(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    opened_at TIMESTAMP,
    closed_at TIMESTAMP,
    published_at TIMESTAMP
);
CREATE INDEX evaluation_campaigns_path ON evaluation_campaigns(path text_pattern_ops);
CREATE INDEX evaluation_campaigns_jurisdiction ON evaluation_campaigns(jurisdiction_id);

CREATE TABLE evaluation_imports (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES evaluation_campaigns(id),
    path TEXT NOT NULL,
    imported_by TEXT NOT NULL REFERENCES accounts(id),
    row_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX evaluation_imports_campaign ON evaluation_imports(campaign_id);

CREATE TABLE evaluation_responses (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES evaluation_campaigns(id),
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    household_key TEXT NOT NULL,
    source TEXT NOT NULL,
    import_id TEXT REFERENCES evaluation_imports(id),
    answers TEXT NOT NULL,
    suggestion TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX evaluation_responses_household ON evaluation_responses(campaign_id, household_key);
CREATE INDEX evaluation_responses_path ON evaluation_responses(campaign_id, path text_pattern_ops);
CREATE INDEX evaluation_responses_jurisdiction ON evaluation_responses(jurisdiction_id);

CREATE TABLE evaluation_department_scores (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES evaluation_campaigns(id),
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    department_id TEXT NOT NULL REFERENCES departments(id),
    scored_by TEXT NOT NULL REFERENCES accounts(id),
    scores TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX evaluation_department_scores_once ON evaluation_department_scores(campaign_id, jurisdiction_id, department_id);
CREATE INDEX evaluation_department_scores_path ON evaluation_department_scores(campaign_id, path text_pattern_ops);
CREATE INDEX evaluation_department_scores_department ON evaluation_department_scores(department_id);
