-- Library hubs kept by their librarians from Telegram (/myhub): who keeps
-- which hub, and the facts they set, as a layer over dialogues/hubs.toml.

-- A librarian linked to a hub (/grant USER_ID librarian HUB_ID).
CREATE TABLE hub_librarians (
    user_id    INTEGER NOT NULL,
    hub        TEXT    NOT NULL,      -- a hub id of hubs.toml
    granted_by INTEGER,               -- NULL from the command line, -1 once forgotten
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, hub)
);

-- One fact per hub and kind, the latest; residents see it at once, admins
-- review it with `pomichnyk hubs export`. The facts outlive the librarian who
-- set them: /delete_me empties `set_by` only.
CREATE TABLE hub_facts (
    hub    TEXT    NOT NULL,
    kind   TEXT    NOT NULL
           CHECK (kind IN ('location', 'hours', 'phone', 'services', 'today', 'confirmed')),
    value  TEXT    NOT NULL,          -- see hubs::layer::Value::encode
    set_by INTEGER,                   -- the librarian or admin; NULL once forgotten, 0 the command line
    set_at INTEGER NOT NULL,
    until  INTEGER,                   -- today's status ends then (local midnight)
    PRIMARY KEY (hub, kind)
);
