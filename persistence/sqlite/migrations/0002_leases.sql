-- actorstore embedded schema, version 2: consumer leases with fencing
-- tokens (docs/adr/0011-consumer-leases.md). expires_ms is Unix time in
-- milliseconds by SQLite's clock.
CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL,
    token      INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
