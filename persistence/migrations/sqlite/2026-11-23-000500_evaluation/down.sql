DROP TABLE evaluation_department_scores;
DROP TABLE evaluation_responses;
DROP TABLE evaluation_imports;
DROP TABLE evaluation_campaigns;
