-- actorstore schema, version 1. See docs/storage.md for the query each
-- index serves.

-- One row per stream: its head. Appends lock these rows (in stream order)
-- to serialise writers of one stream across processes.
CREATE TABLE streams (
    stream_id     text COLLATE "C" PRIMARY KEY,
    version       bigint NOT NULL,
    last_position bigint NOT NULL
);

-- The single global position counter. An append increments it as the last
-- step before COMMIT; its row lock, held until commit, makes positions
-- follow commit order (invariant 2).
CREATE TABLE global_position (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    position bigint NOT NULL
);
INSERT INTO global_position (id, position) VALUES (true, 0);

CREATE TABLE events (
    position       bigint PRIMARY KEY,          -- ReadAll (unfiltered), LastPosition
    stream_id      text COLLATE "C" NOT NULL,
    version        bigint NOT NULL,
    event_id       uuid NOT NULL,
    type           text NOT NULL,
    schema_version bigint NOT NULL,
    content_type   text NOT NULL,
    data           bytea NOT NULL,
    metadata       jsonb,
    created_at     timestamptz NOT NULL,
    CONSTRAINT events_stream_version UNIQUE (stream_id, version) -- ReadStream, prefix filters
);

-- Idempotent retries and LookupEvents look events up by ID.
CREATE UNIQUE INDEX events_event_id ON events (event_id);

-- ReadAll filtered by event type, in position order.
CREATE INDEX events_type_position ON events (type, position);

CREATE TABLE checkpoints (
    name       text PRIMARY KEY,
    position   bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
