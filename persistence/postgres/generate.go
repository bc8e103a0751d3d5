package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/persistence"
)

// sqlGenerate writes events $2+1 .. $2+$1 of a persistence.Synthetic (the
// i-th event overall, from 0, is version i%$4+1 of stream $3||i/$4) at the
// positions after $7, which the transaction took from the counter first.
const sqlGenerate = `INSERT INTO events (position, stream_id, version, event_id, type, schema_version,
                    content_type, data, metadata, created_at)
SELECT $7::bigint + i - $2::bigint + 1, $3::text || (i / $4::bigint)::text, i % $4::bigint + 1,
       gen_random_uuid(), $5::text, 0, 'application/json', $6::bytea, NULL, now()
FROM generate_series($2::bigint, $2::bigint + $1::bigint - 1) AS i`

// sqlGenerateHeads sets the heads of the streams of the events at
// positions $1+1 .. $2 (only this transaction's: it holds the counter).
const sqlGenerateHeads = `INSERT INTO streams (stream_id, version, last_position)
SELECT stream_id, max(version), max(position) FROM events
WHERE position > $1::bigint AND position <= $2::bigint
GROUP BY stream_id
ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, last_position = excluded.last_position`

// Generate writes g's events into the database at url with
// generate_series, g.ChunkSize() events per transaction (each
// takes its positions from the counter, so positions stay gapless and in
// commit order), and sets the heads of their streams. It returns how many
// events it wrote. Stores open on the database see the events as any
// other; stream actors that are live for these streams do not (use fresh
// prefixes). It is for benchmarks: 10 million events take minutes. A bad
// g is an *eventstore.InputError and writes nothing; a failure later
// leaves the chunks before it committed (the count says how many events).
func Generate(ctx context.Context, url string, g persistence.Synthetic) (int64, error) {
	if err := g.Validate(); err != nil {
		return 0, err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, fmt.Errorf("postgres: generate: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var written int64
	for written < int64(g.Events) {
		n := min(g.ChunkSize(), int64(g.Events)-written)
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var before int64
			if err := tx.QueryRow(ctx, `UPDATE global_position SET position = position + $1::bigint
				RETURNING position - $1::bigint`, n).Scan(&before); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, sqlGenerate, n, written, g.Prefix, int64(g.PerStream), g.Type, g.Data,
				before); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, sqlGenerateHeads, before, before+n)
			return err
		})
		if err != nil {
			return written, fmt.Errorf("postgres: generate: %w", err)
		}
		written += n
	}
	return written, nil
}
