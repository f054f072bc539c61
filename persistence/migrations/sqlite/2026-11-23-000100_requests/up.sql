-- Requests (诉求, 三事分流): guiding catalogue and responsibility lists (versioned), the service
-- directory (便民服务), requests with their details, handlers, photos and append-only timeline.
CREATE TABLE responsibility_lists (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    version INTEGER NOT NULL,
    entries TEXT NOT NULL,
    changes TEXT NOT NULL,
    note TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX responsibility_lists_version ON responsibility_lists(kind, jurisdiction_id, version);

CREATE TABLE services (
    id TEXT PRIMARY KEY NOT NULL,
    community_id TEXT NOT NULL REFERENCES jurisdictions(id),
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    contact_name TEXT,
    phone TEXT NOT NULL,
    description TEXT,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX services_community ON services(community_id, id);

CREATE TABLE requests (
    id TEXT PRIMARY KEY NOT NULL,
    path TEXT NOT NULL,
    community_id TEXT NOT NULL REFERENCES jurisdictions(id),
    street_id TEXT NOT NULL REFERENCES jurisdictions(id),
    category_code TEXT NOT NULL,
    status TEXT NOT NULL,
    class TEXT,
    department_id TEXT REFERENCES departments(id),
    deadline TIMESTAMP,
    resident_account_id TEXT REFERENCES accounts(id),
    received_at TIMESTAMP NOT NULL,
    responded_in_time BOOLEAN,
    resolved_at TIMESTAMP,
    resolved_on_time BOOLEAN,
    handling_seconds INTEGER,
    rating TEXT
);
CREATE INDEX requests_path_received ON requests(path, received_at);
CREATE INDEX requests_community ON requests(community_id, id);
CREATE INDEX requests_resident ON requests(resident_account_id, id);
CREATE INDEX requests_status_deadline ON requests(status, deadline);

CREATE TABLE request_details (
    id TEXT PRIMARY KEY NOT NULL REFERENCES requests(id),
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    description TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    address TEXT,
    resident_name TEXT NOT NULL,
    resident_phone TEXT,
    filed_by TEXT NOT NULL REFERENCES accounts(id),
    listing TEXT NOT NULL,
    flags TEXT NOT NULL,
    responded_at TIMESTAMP,
    result TEXT,
    rating_comment TEXT,
    closed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX request_details_jurisdiction ON request_details(jurisdiction_id);

CREATE TABLE request_departments (
    request_id TEXT NOT NULL REFERENCES requests(id),
    department_id TEXT NOT NULL REFERENCES departments(id),
    first_at TIMESTAMP NOT NULL,
    PRIMARY KEY (request_id, department_id)
);
CREATE INDEX request_departments_department ON request_departments(department_id, request_id);

CREATE TABLE request_photos (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES requests(id),
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES accounts(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX request_photos_request ON request_photos(request_id, id);

CREATE TABLE request_events (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES requests(id),
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_role TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX request_events_request ON request_events(request_id, id);
CREATE TRIGGER request_events_no_update BEFORE UPDATE ON request_events
BEGIN SELECT RAISE(ABORT, 'request_events is append-only'); END;
CREATE TRIGGER request_events_no_delete BEFORE DELETE ON request_events
BEGIN SELECT RAISE(ABORT, 'request_events is append-only'); END;
CREATE TRIGGER responsibility_lists_no_update BEFORE UPDATE ON responsibility_lists
BEGIN SELECT RAISE(ABORT, 'responsibility_lists is append-only'); END;
CREATE TRIGGER responsibility_lists_no_delete BEFORE DELETE ON responsibility_lists
BEGIN SELECT RAISE(ABORT, 'responsibility_lists is append-only'); END;
