-- actorstore schema, version 5: stream deletes and stream metadata
-- (docs/lifecycle.md). The stream's row is the fence: a delete locks it and
-- sets deleted_through (every version up to it is hidden) and, for a hard
-- delete, tombstone, which the appends check on the row they move.
-- stream_retention holds, per stream that has any, what the reads hide: the
-- deleted versions and the metadata's truncate-before, max-count and
-- max-age. It is small (one row per deleted stream or stream with
-- metadata): ReadStream and ReadAll anti-join it, so a stream without
-- either costs one index probe.
-- Idempotent: re-running it on a database that has it changes nothing.
ALTER TABLE streams ADD COLUMN IF NOT EXISTS deleted_through bigint NOT NULL DEFAULT 0;
ALTER TABLE streams ADD COLUMN IF NOT EXISTS tombstone boolean NOT NULL DEFAULT false;

CREATE TABLE IF NOT EXISTS stream_retention (
    stream_id       text COLLATE "C" PRIMARY KEY,
    through         bigint NOT NULL DEFAULT 0 CHECK (through >= 0),
    tombstone       boolean NOT NULL DEFAULT false,
    deleted_at      timestamptz,
    meta_version    bigint NOT NULL DEFAULT 0,
    truncate_before bigint NOT NULL DEFAULT 0,
    max_age_ms      bigint NOT NULL DEFAULT 0,
    max_count       bigint NOT NULL DEFAULT 0,
    meta_set_at     timestamptz,
    -- the scavenge removed every event up to this version
    scavenged       bigint NOT NULL DEFAULT 0
);

-- Crypto-shredding (docs/lifecycle.md): each subject's data key, wrapped
-- by the operator's master key; deleting the row forgets the subject.
CREATE TABLE IF NOT EXISTS subject_keys (
    subject    text PRIMARY KEY,
    wrapped    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- A value only the right master key opens: a wrong key fails at start.
CREATE TABLE IF NOT EXISTS key_check (
    id    boolean PRIMARY KEY DEFAULT true CHECK (id),
    check_value bytea NOT NULL
);
