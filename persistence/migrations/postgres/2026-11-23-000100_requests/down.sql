DROP TABLE request_events;
DROP TABLE request_photos;
DROP TABLE request_departments;
DROP TABLE request_details;
DROP TABLE requests;
DROP TABLE services;
DROP TABLE responsibility_lists;
DROP FUNCTION requests_append_only();
