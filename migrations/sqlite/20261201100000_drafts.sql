-- A librarian's drafts (an announcement, a webinar) are the application
-- layer's, not the dialogue engine's: they get a column of their own.
ALTER TABLE dialogue_state ADD COLUMN drafts TEXT;

UPDATE dialogue_state
SET drafts = json_object(
        'draft', json_extract(state, '$.draft'),
        'webinar_draft', json_extract(state, '$.webinar_draft')),
    state = json_remove(state, '$.draft', '$.webinar_draft')
WHERE json_extract(state, '$.draft') IS NOT NULL
   OR json_extract(state, '$.webinar_draft') IS NOT NULL;
