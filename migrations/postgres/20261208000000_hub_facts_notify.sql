-- Every bot process keeps the librarians' hub facts in memory (they are read at every private
-- update). Each statement that changes them, in whichever process, now notifies the channel
-- `pomichnyk_hub_facts` when its transaction commits; every process listens there and reads
-- the facts anew (`store/listen.rs`, `app/hub_cache.rs`).
CREATE FUNCTION notify_hub_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pomichnyk_hub_facts', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER hub_facts_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hub_facts
FOR EACH STATEMENT EXECUTE FUNCTION notify_hub_facts();
