-- Events: the global position is the rowid, assigned explicitly by the
-- single writer inside its transaction (last position + 1), so a rolled
-- back or failed request uses up no position.
CREATE TABLE events (
    position       INTEGER PRIMARY KEY,
    stream         TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version > 0),
    event_id       BLOB    NOT NULL CHECK (length(event_id) = 16),
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    content_type   TEXT    NOT NULL,
    data           BLOB    NOT NULL,
    metadata       TEXT,
    created        INTEGER NOT NULL
);

-- Invariant 1 (contiguous versions) is fenced by this index; it also serves
-- ReadStream, Head and stream-prefix ranges of ReadAll (rowid is implied).
CREATE UNIQUE INDEX events_stream_version ON events (stream, version);

-- Idempotent retries and DuplicateEventError look events up by ID.
CREATE UNIQUE INDEX events_event_id ON events (event_id);

-- ReadAll with an event-type filter.
CREATE INDEX events_type_position ON events (type, position);

CREATE TABLE checkpoints (
    name     TEXT    PRIMARY KEY,
    position INTEGER NOT NULL
) WITHOUT ROWID;
