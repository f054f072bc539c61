-- Indexes that keep request lists and measures independent of the table's size (issue #9).
-- Lists page in id order (keyset) inside a street or community, often by status.
CREATE INDEX requests_street ON requests(street_id, id);
CREATE INDEX requests_street_status ON requests(street_id, status, id);
CREATE INDEX requests_community_status ON requests(community_id, status, id);
CREATE INDEX requests_status ON requests(status, id);
-- Measures: a street's or community's window, carrying every column the grouped pass reads (a
-- covering index: SQLite has no INCLUDE, the columns trail the key).
CREATE INDEX requests_street_window ON requests(street_id, received_at,
    community_id, class, department_id, responded_in_time, resolved_at, resolved_on_time, rating, handling_seconds);
CREATE INDEX requests_community_window ON requests(community_id, received_at,
    street_id, class, department_id, responded_in_time, resolved_at, resolved_on_time, rating, handling_seconds);
