-- actorstore schema, version 4: the newest snapshot of each stream
-- (docs/entities.md). Version 3 is the lease table (consumer leases).
-- IF NOT EXISTS: re-running it on a database that has it changes nothing.
CREATE TABLE IF NOT EXISTS snapshots (
    stream_id      text COLLATE "C" PRIMARY KEY,
    version        bigint NOT NULL CHECK (version > 0),
    schema_version bigint NOT NULL,
    state          bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
