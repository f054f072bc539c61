DROP TRIGGER request_measure_days_update ON requests;
DROP TRIGGER request_measure_days_insert_delete ON requests;
DROP FUNCTION request_measure_days_follow();
DROP FUNCTION request_measure_days_add(requests, BIGINT);
DROP TABLE request_measure_days;
