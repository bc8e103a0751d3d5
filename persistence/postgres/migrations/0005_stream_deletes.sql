-- actorstore schema, version 5: stream deletes (docs/lifecycle.md). The
-- stream's row is the fence: a delete locks it and sets deleted_through
-- (every version up to it is hidden) and, for a hard delete, tombstone,
-- which the appends check on the row they move. stream_deletes holds the
-- same boundary for the reads: a small table that ReadStream and ReadAll
-- anti-join, so that streams never deleted cost one index probe.
-- Idempotent: re-running it on a database that has it changes nothing.
ALTER TABLE streams ADD COLUMN IF NOT EXISTS deleted_through bigint NOT NULL DEFAULT 0;
ALTER TABLE streams ADD COLUMN IF NOT EXISTS tombstone boolean NOT NULL DEFAULT false;

CREATE TABLE IF NOT EXISTS stream_deletes (
    stream_id  text COLLATE "C" PRIMARY KEY,
    through    bigint NOT NULL CHECK (through >= 0),
    tombstone  boolean NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now()
);
