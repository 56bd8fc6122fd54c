BEGIN;
SELECT seq FROM nb_head WHERE id = 1 FOR UPDATE;
WITH n AS (SELECT pg_notify('audittrail_bench', '1')) UPDATE nb_head SET seq = seq + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM n);
COMMIT;
