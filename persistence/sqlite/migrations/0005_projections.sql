-- actorstore embedded schema, version 5: projections
-- (docs/adr/0019-projections.md). Idempotent (IF NOT EXISTS). Times are
-- Unix milliseconds.
CREATE TABLE IF NOT EXISTS projections (
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    partitions INTEGER NOT NULL,
    live       INTEGER NOT NULL DEFAULT 0,
    caught_up  INTEGER NOT NULL DEFAULT 0,
    state      TEXT    NOT NULL DEFAULT 'running',
    last_error TEXT    NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    part       INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    handled    INTEGER NOT NULL DEFAULT 0,
    caught_up  INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name, version, part)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS projection_parked (
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    part       INTEGER NOT NULL,
    stream     TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    error      TEXT    NOT NULL,
    parked_at  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name, version, position)
) WITHOUT ROWID;
