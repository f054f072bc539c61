-- Daily roll-up of the hotline measures (12345 口径日汇总, issue #9): per China day (UTC+8) of
-- receipt and per (street, community, class, current department) "cell", the same counts the
-- measures' grouped pass computes from `requests`. Kept in step by triggers on `requests`: an
-- insert adds the row's contribution, an update moves it (old subtracted, new added), a delete
-- removes it; so no code path can forget it. A window's whole days are read here, its partial
-- edges from `requests` (persistence/src/requests/measures.rs). '' stands for "no class" / "not
-- dispatched" (key columns are NOT NULL so that the upsert's conflict target matches).
CREATE TABLE request_measure_days (
    street_id TEXT NOT NULL,
    day DATE NOT NULL,
    community_id TEXT NOT NULL,
    class TEXT NOT NULL,
    department_id TEXT NOT NULL,
    received BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    resolved BIGINT NOT NULL,
    resolved_on_time BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    handling_seconds BIGINT NOT NULL,
    PRIMARY KEY (street_id, day, community_id, class, department_id)
);
CREATE INDEX request_measure_days_community ON request_measure_days(community_id, day);
CREATE INDEX request_measure_days_day ON request_measure_days(day);

INSERT INTO request_measure_days
SELECT street_id, date(received_at, '+8 hours'), community_id, coalesce(class, ''), coalesce(department_id, ''),
       count(*), count(responded_in_time), count(resolved_at), sum(coalesce(resolved_on_time, 0)), count(rating),
       sum(coalesce(rating IN ('satisfied', 'basically_satisfied'), 0)), sum(coalesce(handling_seconds, 0))
FROM requests
GROUP BY 1, 2, 3, 4, 5;

-- One request's contribution to its cell, times `sign` (1 to add, -1 to remove): rows inserted
-- into this never-filled view are applied to the roll-up by its INSTEAD OF trigger, so the
-- triggers on `requests` below only say which row moves which way.
CREATE VIEW request_measure_moves AS
SELECT street_id, received_at, community_id, class, department_id, responded_in_time, resolved_at,
       resolved_on_time, rating, handling_seconds, 0 AS sign
FROM requests WHERE 0;

CREATE TRIGGER request_measure_moves_apply INSTEAD OF INSERT ON request_measure_moves
BEGIN
    INSERT INTO request_measure_days VALUES (
        NEW.street_id, date(NEW.received_at, '+8 hours'), NEW.community_id, coalesce(NEW.class, ''), coalesce(NEW.department_id, ''),
        NEW.sign, NEW.sign * (NEW.responded_in_time IS NOT NULL), NEW.sign * (NEW.resolved_at IS NOT NULL),
        NEW.sign * coalesce(NEW.resolved_on_time, 0), NEW.sign * (NEW.rating IS NOT NULL),
        NEW.sign * coalesce(NEW.rating IN ('satisfied', 'basically_satisfied'), 0), NEW.sign * coalesce(NEW.handling_seconds, 0))
    ON CONFLICT (street_id, day, community_id, class, department_id) DO UPDATE SET
        received = received + excluded.received, responded = responded + excluded.responded,
        resolved = resolved + excluded.resolved, resolved_on_time = resolved_on_time + excluded.resolved_on_time,
        rated = rated + excluded.rated, satisfied = satisfied + excluded.satisfied,
        handling_seconds = handling_seconds + excluded.handling_seconds;
END;

CREATE TRIGGER request_measure_days_insert AFTER INSERT ON requests
BEGIN
    INSERT INTO request_measure_moves VALUES (NEW.street_id, NEW.received_at, NEW.community_id, NEW.class, NEW.department_id,
        NEW.responded_in_time, NEW.resolved_at, NEW.resolved_on_time, NEW.rating, NEW.handling_seconds, 1);
END;

CREATE TRIGGER request_measure_days_delete AFTER DELETE ON requests
BEGIN
    INSERT INTO request_measure_moves VALUES (OLD.street_id, OLD.received_at, OLD.community_id, OLD.class, OLD.department_id,
        OLD.responded_in_time, OLD.resolved_at, OLD.resolved_on_time, OLD.rating, OLD.handling_seconds, -1);
END;

CREATE TRIGGER request_measure_days_update AFTER UPDATE ON requests
WHEN OLD.street_id IS NOT NEW.street_id OR OLD.community_id IS NOT NEW.community_id OR OLD.class IS NOT NEW.class
  OR OLD.department_id IS NOT NEW.department_id OR OLD.received_at IS NOT NEW.received_at
  OR OLD.responded_in_time IS NOT NEW.responded_in_time OR OLD.resolved_at IS NOT NEW.resolved_at
  OR OLD.resolved_on_time IS NOT NEW.resolved_on_time OR OLD.rating IS NOT NEW.rating
  OR OLD.handling_seconds IS NOT NEW.handling_seconds
BEGIN
    INSERT INTO request_measure_moves VALUES (OLD.street_id, OLD.received_at, OLD.community_id, OLD.class, OLD.department_id,
        OLD.responded_in_time, OLD.resolved_at, OLD.resolved_on_time, OLD.rating, OLD.handling_seconds, -1);
    INSERT INTO request_measure_moves VALUES (NEW.street_id, NEW.received_at, NEW.community_id, NEW.class, NEW.department_id,
        NEW.responded_in_time, NEW.resolved_at, NEW.resolved_on_time, NEW.rating, NEW.handling_seconds, 1);
END;
