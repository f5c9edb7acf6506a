-- Which replica holds a claim on a row the outbox sends (its slot, `store::REPLICA_SLOTS`;
-- webhook replicas on PostgreSQL only): a replica restarted after a crash takes back its own
-- claims at once instead of waiting out their lease. Emptied when the send is recorded.
ALTER TABLE deliveries ADD COLUMN claimed_by BIGINT;
ALTER TABLE messages ADD COLUMN claimed_by BIGINT;
ALTER TABLE reminders ADD COLUMN claimed_by BIGINT;
