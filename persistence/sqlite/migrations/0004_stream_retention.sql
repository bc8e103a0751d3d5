-- Stream deletes and stream metadata (docs/lifecycle.md): per stream that
-- has any, the newest deleted version, whether it has a tombstone (a hard
-- delete), and the metadata's truncate-before, max-count and max-age. The
-- reads anti-join it; the append checks tombstone under the write lock.
-- Version 3 is the snapshot table. Idempotent.
CREATE TABLE IF NOT EXISTS stream_retention (
    stream          TEXT    PRIMARY KEY,
    through         INTEGER NOT NULL DEFAULT 0 CHECK (through >= 0),
    tombstone       INTEGER NOT NULL DEFAULT 0,
    deleted         INTEGER,
    meta_version    INTEGER NOT NULL DEFAULT 0,
    truncate_before INTEGER NOT NULL DEFAULT 0,
    max_age_ms      INTEGER NOT NULL DEFAULT 0,
    max_count       INTEGER NOT NULL DEFAULT 0,
    -- the scavenge removed every event up to this version; the newest of
    -- them had this position (the stream's head when none is left)
    scavenged          INTEGER NOT NULL DEFAULT 0,
    scavenged_position INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- The newest position a scavenge removed: positions are the newest
-- event's plus one, so they must not go back when the newest is removed.
CREATE TABLE IF NOT EXISTS removed_position (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL
);

-- Crypto-shredding (docs/lifecycle.md): each subject's data key, wrapped
-- by the operator's master key; deleting the row forgets the subject.
CREATE TABLE IF NOT EXISTS subject_keys (
    subject TEXT PRIMARY KEY,
    wrapped BLOB NOT NULL,
    created INTEGER NOT NULL
) WITHOUT ROWID;
-- A value only the right master key opens: a wrong key fails at start.
CREATE TABLE IF NOT EXISTS key_check (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    check_value BLOB NOT NULL
);
