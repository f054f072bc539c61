DROP TABLE visits;
DROP TABLE households;
DROP TABLE ledger_heads;
DROP TABLE ledger_entries;
DROP FUNCTION ledger_entries_append_only;
DROP TABLE ledger_types;
