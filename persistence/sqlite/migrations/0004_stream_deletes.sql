-- Stream deletes (docs/lifecycle.md): per deleted stream, the newest hidden
-- version and whether it has a tombstone (a hard delete). The reads
-- anti-join it; the append checks tombstone under the write lock. Version 3
-- is the snapshot table. Idempotent.
CREATE TABLE IF NOT EXISTS stream_deletes (
    stream    TEXT    PRIMARY KEY,
    through   INTEGER NOT NULL CHECK (through >= 0),
    tombstone INTEGER NOT NULL,
    deleted   INTEGER NOT NULL
) WITHOUT ROWID;
