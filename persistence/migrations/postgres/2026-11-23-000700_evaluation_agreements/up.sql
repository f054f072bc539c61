-- Two-way evaluation of entrustment agreements (双向评估): each side rates each agreement once
-- per campaign.
CREATE TABLE evaluation_agreement_ratings (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES evaluation_campaigns(id),
    agreement_id TEXT NOT NULL REFERENCES clearance_agreements(id),
    side TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    rated_by TEXT NOT NULL REFERENCES accounts(id),
    scores TEXT NOT NULL,
    comment TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX evaluation_agreement_ratings_once ON evaluation_agreement_ratings(campaign_id, agreement_id, side);
CREATE INDEX evaluation_agreement_ratings_path ON evaluation_agreement_ratings(campaign_id, path text_pattern_ops);
CREATE INDEX evaluation_agreement_ratings_jurisdiction ON evaluation_agreement_ratings(jurisdiction_id);
