package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// TestStatementTimeoutIsErrTimeout appends while another session holds
// the global position row locked, on a Store whose connections have
// statement_timeout = 200ms: the server cancels the commit (SQLSTATE 57014)
// and the caller gets a *eventstore.ConnectionError that matches
// ErrTimeout (not only ErrUnavailable), is retryable, names the operation
// and host and carries the trace ID; nothing is written.
func TestStatementTimeoutIsErrTimeout(t *testing.T) {
	t.Parallel()
	s, url := newStore(t) // migrated without the timeout
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	timed := openStore(t, url+sep+"options=-c%20statement_timeout%3D200", postgres.Config{})

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT position FROM global_position FOR UPDATE"); err != nil {
		t.Fatal(err)
	}

	tctx := eventstore.WithTraceID(ctx, "trace-57014")
	_, err = timed.AppendBatch(tctx, []eventstore.AppendRequest{{Stream: "st-1", Events: []eventstore.EventData{ev("a")}}})
	var ce *eventstore.ConnectionError
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		t.Fatal("append succeeded behind the lock")
	case !errors.As(err, &pgErr) || pgErr.Code != "57014":
		t.Fatalf("want the server's statement timeout (57014), got %T %v", err, err)
	case !errors.Is(err, eventstore.ErrTimeout) || !errors.Is(err, eventstore.ErrUnavailable) || !eventstore.IsRetryable(err):
		t.Fatalf("statement timeout is not a retryable ErrTimeout: %v", err)
	case eventstore.CodeOf(err) != eventstore.CodeTimeout:
		t.Fatalf("statement timeout has code %v, want timeout (what metrics and peers see)", eventstore.CodeOf(err))
	case !errors.As(err, &ce) || ce.Op == "" || ce.Host == "":
		t.Fatalf("statement timeout lacks its context: %#v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadStream(ctx, eventstore.StreamRead{Stream: "st-1", Limit: 10}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("the cancelled append wrote something: %v", err)
	}
}
