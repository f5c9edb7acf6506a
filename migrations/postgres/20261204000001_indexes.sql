-- Indexes for the queries that had none (reviewed with EXPLAIN on a database of a million
-- residents; benches/scale.sh). /delete_me removes a resident from every table in one
-- transaction, and the foreign keys' ON DELETE CASCADE looks the resident up in each child
-- table: without these, each would be a full scan.
CREATE INDEX deliveries_by_user ON deliveries (user_id);
CREATE INDEX rsvps_by_user ON rsvps (user_id);
CREATE INDEX reminders_by_user ON reminders (user_id);
CREATE INDEX tickets_by_chat ON tickets (chat_id);
CREATE INDEX tickets_by_closer ON tickets (closed_by);
CREATE INDEX ticket_messages_by_librarian ON ticket_messages (librarian);
CREATE INDEX messages_by_ticket_message ON messages (ticket_message);
CREATE INDEX audit_by_actor ON audit (actor);
CREATE INDEX audit_by_target ON audit (target);
-- The outbox asks after each round whether a broadcast still has a pending delivery: with
-- the key alone that reads every delivery of the broadcast (a million for one to everyone).
CREATE INDEX deliveries_by_status ON deliveries (broadcast, status);
-- The review reminders due: residents who turned them on and were not reminded today.
CREATE INDEX review_reminders_due ON review_reminders (enabled, last_day);
-- The lesson funnels count distinct residents per step from the index alone, in its order;
-- no query looked events up by kind and time.
DROP INDEX events_by_kind;
CREATE INDEX events_by_kind ON events (kind, dialogue, step, user_id);
