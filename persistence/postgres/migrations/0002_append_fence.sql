-- actorstore schema, version 2: the fence of the one-statement append
-- (docs/adr/0009-one-statement-append.md). The append statement calls it
-- with false when a stream head it moves is not at the expected version;
-- the error aborts the whole statement (nothing is written, no position is
-- used) and the store falls back to the locking append, which reports the
-- conflict. SQLSTATE AS409 is actorstore's own.
CREATE OR REPLACE FUNCTION actorstore_fence(ok boolean) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ok THEN
        RAISE EXCEPTION 'actorstore: a stream head is not at the expected version'
            USING ERRCODE = 'AS409';
    END IF;
    RETURN true;
END
$$;
