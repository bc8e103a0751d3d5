-- actorstore schema, version 3: consumer leases with fencing tokens
-- (docs/adr/0011-consumer-leases.md). One row per consumer (a durable
-- subscription, a consumer-group member slot); token grows with every change
-- of owner, and fenced checkpoint writes check it in the same statement.
CREATE TABLE actorstore_leases (
    name       text        PRIMARY KEY,
    owner      text        NOT NULL,
    token      bigint      NOT NULL,
    expires_at timestamptz NOT NULL
);
