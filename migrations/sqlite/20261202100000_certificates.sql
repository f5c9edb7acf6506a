-- Certificates and the final tests of courses (src/certificates/, src/app/certificates.rs).

-- A certificate outlives its holder's data: after /delete_me the row stays with user_id,
-- name and name_salt erased, so the code still verifies as issued on that date for that
-- course. The signature covers code, course, version, issued, hub and name_digest.
CREATE TABLE certificates (
    code        TEXT PRIMARY KEY,
    user_id     INTEGER,
    course      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    -- The local date of issue, YYYY-MM-DD.
    issued      TEXT NOT NULL,
    hub         TEXT,
    name        TEXT,
    name_salt   TEXT,
    name_digest TEXT NOT NULL,
    -- The language it was first delivered in.
    lang        TEXT NOT NULL,
    signature   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX certificates_by_user ON certificates (user_id);

-- Every final test finished, passed or not: the pause before a retake, and statistics.
CREATE TABLE course_attempts (
    user_id  INTEGER NOT NULL REFERENCES residents (user_id) ON DELETE CASCADE,
    course   TEXT NOT NULL,
    version  INTEGER NOT NULL,
    correct  INTEGER NOT NULL,
    total    INTEGER NOT NULL,
    passed   INTEGER NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX course_attempts_by_user ON course_attempts (user_id, course, at);
