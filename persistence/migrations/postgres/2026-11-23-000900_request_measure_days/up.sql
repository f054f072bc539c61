-- Daily roll-up of the hotline measures (12345 口径日汇总, issue #9): per China day (UTC+8) of
-- receipt and per (street, community, class, current department) "cell", the same counts the
-- measures' grouped pass computes from `requests`. Kept in step by a trigger on `requests`: an
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

-- One request's contribution to its cell, times `sign` (1 to add, -1 to remove).
CREATE FUNCTION request_measure_days_add(r requests, sign BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO request_measure_days AS d VALUES (
        r.street_id, (r.received_at + INTERVAL '8 hours')::date, r.community_id, coalesce(r.class, ''), coalesce(r.department_id, ''),
        sign, sign * (r.responded_in_time IS NOT NULL)::int, sign * (r.resolved_at IS NOT NULL)::int,
        sign * coalesce(r.resolved_on_time, false)::int, sign * (r.rating IS NOT NULL)::int,
        sign * coalesce(r.rating IN ('satisfied', 'basically_satisfied'), false)::int, sign * coalesce(r.handling_seconds, 0))
    ON CONFLICT (street_id, day, community_id, class, department_id) DO UPDATE SET
        received = d.received + excluded.received, responded = d.responded + excluded.responded,
        resolved = d.resolved + excluded.resolved, resolved_on_time = d.resolved_on_time + excluded.resolved_on_time,
        rated = d.rated + excluded.rated, satisfied = d.satisfied + excluded.satisfied,
        handling_seconds = d.handling_seconds + excluded.handling_seconds
$$;

CREATE FUNCTION request_measure_days_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM request_measure_days_add(OLD, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM request_measure_days_add(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;

INSERT INTO request_measure_days
SELECT street_id, (received_at + INTERVAL '8 hours')::date, community_id, coalesce(class, ''), coalesce(department_id, ''),
       count(*), count(responded_in_time), count(resolved_at), count(*) FILTER (WHERE resolved_on_time), count(rating),
       count(*) FILTER (WHERE rating IN ('satisfied', 'basically_satisfied')), coalesce(sum(handling_seconds), 0)
FROM requests
GROUP BY 1, 2, 3, 4, 5;

-- Deferred to commit: a cell row is locked by its upsert until the transaction ends, and the
-- requests received in one community on one day share a cell; fired at commit, the lock is held
-- for the commit alone, not across the rest of the transaction (timeline, ledger, audit rows).
CREATE CONSTRAINT TRIGGER request_measure_days_insert_delete AFTER INSERT OR DELETE ON requests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION request_measure_days_follow();
CREATE CONSTRAINT TRIGGER request_measure_days_update AFTER UPDATE ON requests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.street_id IS DISTINCT FROM NEW.street_id OR OLD.community_id IS DISTINCT FROM NEW.community_id
        OR OLD.class IS DISTINCT FROM NEW.class OR OLD.department_id IS DISTINCT FROM NEW.department_id
        OR OLD.received_at IS DISTINCT FROM NEW.received_at OR OLD.responded_in_time IS DISTINCT FROM NEW.responded_in_time
        OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at OR OLD.resolved_on_time IS DISTINCT FROM NEW.resolved_on_time
        OR OLD.rating IS DISTINCT FROM NEW.rating OR OLD.handling_seconds IS DISTINCT FROM NEW.handling_seconds)
    EXECUTE FUNCTION request_measure_days_follow();
