DROP INDEX requests_community_window;
DROP INDEX requests_street_window;
DROP INDEX requests_status;
DROP INDEX requests_community_status;
DROP INDEX requests_street_status;
DROP INDEX requests_street;
