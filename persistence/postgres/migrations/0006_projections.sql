-- actorstore schema, version 6: projections (docs/adr/0019-projections.md).
-- Idempotent (IF NOT EXISTS): a database may re-run it.
-- One row per projection version: which version is live, its state.
CREATE TABLE IF NOT EXISTS actorstore_projections (
    name       text        NOT NULL,
    version    integer     NOT NULL,
    partitions integer     NOT NULL,
    live       boolean     NOT NULL DEFAULT false,
    caught_up  boolean     NOT NULL DEFAULT false,
    state      text        NOT NULL DEFAULT 'running',
    last_error text        NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version)
);
-- One checkpoint per partition, written in the handler's transaction and
-- fenced by the partition's lease (actorstore_leases).
CREATE TABLE IF NOT EXISTS actorstore_projection_checkpoints (
    name       text        NOT NULL,
    version    integer     NOT NULL,
    part       integer     NOT NULL,
    position   bigint      NOT NULL,
    handled    bigint      NOT NULL DEFAULT 0,
    caught_up  boolean     NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version, part)
);
-- Events a projection gave up on: kind 'stopped' holds its partition,
-- kind 'parked' was skipped.
CREATE TABLE IF NOT EXISTS actorstore_projection_parked (
    name       text        NOT NULL,
    version    integer     NOT NULL,
    position   bigint      NOT NULL,
    part       integer     NOT NULL,
    stream     text        NOT NULL,
    type       text        NOT NULL,
    kind       text        NOT NULL,
    error      text        NOT NULL,
    parked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version, position)
);
