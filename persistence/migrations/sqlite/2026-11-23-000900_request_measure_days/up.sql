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

CREATE TRIGGER request_measure_days_insert AFTER INSERT ON requests
BEGIN
    INSERT INTO request_measure_days VALUES (
        NEW.street_id, date(NEW.received_at, '+8 hours'), NEW.community_id, coalesce(NEW.class, ''), coalesce(NEW.department_id, ''),
        1, NEW.responded_in_time IS NOT NULL, NEW.resolved_at IS NOT NULL, coalesce(NEW.resolved_on_time, 0), NEW.rating IS NOT NULL,
        coalesce(NEW.rating IN ('satisfied', 'basically_satisfied'), 0), coalesce(NEW.handling_seconds, 0))
    ON CONFLICT (street_id, day, community_id, class, department_id) DO UPDATE SET
        received = received + excluded.received, responded = responded + excluded.responded,
        resolved = resolved + excluded.resolved, resolved_on_time = resolved_on_time + excluded.resolved_on_time,
        rated = rated + excluded.rated, satisfied = satisfied + excluded.satisfied,
        handling_seconds = handling_seconds + excluded.handling_seconds;
END;

-- The old cell row exists (the insert trigger or the backfill made it), so subtracting is an update.
CREATE TRIGGER request_measure_days_delete AFTER DELETE ON requests
BEGIN
    UPDATE request_measure_days SET
        received = received - 1, responded = responded - (OLD.responded_in_time IS NOT NULL),
        resolved = resolved - (OLD.resolved_at IS NOT NULL), resolved_on_time = resolved_on_time - coalesce(OLD.resolved_on_time, 0),
        rated = rated - (OLD.rating IS NOT NULL), satisfied = satisfied - coalesce(OLD.rating IN ('satisfied', 'basically_satisfied'), 0),
        handling_seconds = handling_seconds - coalesce(OLD.handling_seconds, 0)
    WHERE street_id = OLD.street_id AND day = date(OLD.received_at, '+8 hours') AND community_id = OLD.community_id
      AND class = coalesce(OLD.class, '') AND department_id = coalesce(OLD.department_id, '');
END;

CREATE TRIGGER request_measure_days_update AFTER UPDATE ON requests
WHEN OLD.street_id IS NOT NEW.street_id OR OLD.community_id IS NOT NEW.community_id OR OLD.class IS NOT NEW.class
  OR OLD.department_id IS NOT NEW.department_id OR OLD.received_at IS NOT NEW.received_at
  OR OLD.responded_in_time IS NOT NEW.responded_in_time OR OLD.resolved_at IS NOT NEW.resolved_at
  OR OLD.resolved_on_time IS NOT NEW.resolved_on_time OR OLD.rating IS NOT NEW.rating
  OR OLD.handling_seconds IS NOT NEW.handling_seconds
BEGIN
    UPDATE request_measure_days SET
        received = received - 1, responded = responded - (OLD.responded_in_time IS NOT NULL),
        resolved = resolved - (OLD.resolved_at IS NOT NULL), resolved_on_time = resolved_on_time - coalesce(OLD.resolved_on_time, 0),
        rated = rated - (OLD.rating IS NOT NULL), satisfied = satisfied - coalesce(OLD.rating IN ('satisfied', 'basically_satisfied'), 0),
        handling_seconds = handling_seconds - coalesce(OLD.handling_seconds, 0)
    WHERE street_id = OLD.street_id AND day = date(OLD.received_at, '+8 hours') AND community_id = OLD.community_id
      AND class = coalesce(OLD.class, '') AND department_id = coalesce(OLD.department_id, '');
    INSERT INTO request_measure_days VALUES (
        NEW.street_id, date(NEW.received_at, '+8 hours'), NEW.community_id, coalesce(NEW.class, ''), coalesce(NEW.department_id, ''),
        1, NEW.responded_in_time IS NOT NULL, NEW.resolved_at IS NOT NULL, coalesce(NEW.resolved_on_time, 0), NEW.rating IS NOT NULL,
        coalesce(NEW.rating IN ('satisfied', 'basically_satisfied'), 0), coalesce(NEW.handling_seconds, 0))
    ON CONFLICT (street_id, day, community_id, class, department_id) DO UPDATE SET
        received = received + excluded.received, responded = responded + excluded.responded,
        resolved = resolved + excluded.resolved, resolved_on_time = resolved_on_time + excluded.resolved_on_time,
        rated = rated + excluded.rated, satisfied = satisfied + excluded.satisfied,
        handling_seconds = handling_seconds + excluded.handling_seconds;
END;
