-- The newest snapshot of each stream (docs/entities.md). Version 2 is the
-- consumer lease table.
CREATE TABLE IF NOT EXISTS snapshots (
    stream         TEXT    PRIMARY KEY,
    version        INTEGER NOT NULL CHECK (version > 0),
    schema_version INTEGER NOT NULL,
    state          BLOB    NOT NULL,
    created        INTEGER NOT NULL
) WITHOUT ROWID;
