-- What POST /api/v1/requests writes, as one pgbench transaction: the request, its details, the
-- `submitted` timeline event and the audit entry (same tables, indexes, triggers and row shapes).
-- Variables (-D): street, community, grid, path, resident.
BEGIN;
SELECT gen_random_uuid()::text AS rid, gen_random_uuid()::text AS eid, gen_random_uuid()::text AS aid, now() AT TIME ZONE 'UTC' AS at \gset
INSERT INTO requests (id, path, community_id, street_id, category_code, status, class, department_id, deadline, resident_account_id, received_at, responded_in_time, resolved_at, resolved_on_time, handling_seconds, rating)
  VALUES (':rid', ':path', ':community', ':street', 'ROAD-DAMAGE', 'submitted', NULL, NULL, NULL, ':resident', ':at', NULL, NULL, NULL, NULL, NULL);
INSERT INTO request_details (id, jurisdiction_id, description, latitude, longitude, address, resident_name, resident_phone, filed_by, listing, flags, responded_at, result, rating_comment, closed_at, updated_at)
  VALUES (':rid', ':grid', '压测：小区东门路面破损，请派人现场查看。', 31.87, 121.18, NULL, '王芳', '13800000001', ':resident',
    '{"category_name":"道路破损","class":"major","colour":"red","department_id":null,"deadline_hours":72}',
    '{"replied":false,"has_resolution_record":false,"has_referral":false,"deliberation":false,"hardship":false,"reopen_count":0,"escalated":false}',
    NULL, NULL, NULL, NULL, ':at');
INSERT INTO request_events (id, request_id, at, actor_id, actor_role, kind, data)
  VALUES (':eid', ':rid', ':at', ':resident', 'resident', 'submitted', '{"status":"submitted","category_code":"ROAD-DAMAGE","on_behalf":false,"suggestion":null}');
INSERT INTO audit_log (id, at, actor_id, actor_role, action, target_type, target_id, path, request_id, detail)
  VALUES (':aid', ':at', ':resident', 'resident', 'request.submit', 'request', ':rid', ':path', ':aid', '{"status":"submitted","category_code":"ROAD-DAMAGE","on_behalf":false,"suggestion":null}');
END;
