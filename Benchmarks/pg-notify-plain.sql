BEGIN;
SELECT seq FROM nb_head WHERE id = 1 FOR UPDATE;
UPDATE nb_head SET seq = seq + 1 WHERE id = 1;
COMMIT;
