DROP TABLE visits;
DROP TABLE households;
DROP TABLE ledger_heads;
DROP TABLE ledger_entries;
DROP TABLE ledger_types;
