ALTER TABLE audit_log RESET (autovacuum_analyze_scale_factor);
