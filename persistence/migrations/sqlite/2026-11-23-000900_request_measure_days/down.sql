DROP TRIGGER request_measure_days_update;
DROP TRIGGER request_measure_days_delete;
DROP TRIGGER request_measure_days_insert;
DROP TRIGGER request_measure_moves_apply;
DROP VIEW request_measure_moves;
DROP TABLE request_measure_days;
