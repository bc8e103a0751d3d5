package pgtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func query(t *testing.T, url, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func TestDurabilitySettings(t *testing.T) {
	t.Parallel()
	url := pgtest.Server(t).NewDatabase(t)
	for setting, want := range map[string]string{"fsync": "on", "synchronous_commit": "on"} {
		if got := query(t, url, "SHOW "+setting); got != want {
			t.Errorf("%s = %s, want %s", setting, got, want)
		}
	}
}

func TestDatabasesAreSeparate(t *testing.T) {
	t.Parallel()
	srv := pgtest.Server(t)
	a, b := srv.NewDatabase(t), srv.NewDatabase(t)
	if a == b {
		t.Fatal("two tests got the same database")
	}
	if query(t, a, "SELECT current_database()") == query(t, b, "SELECT current_database()") {
		t.Fatal("URLs lead to the same database")
	}
}

func TestStopImmediateAndStart(t *testing.T) {
	srv := pgtest.Server(t)
	srv.RequireManaged(t)
	url := srv.NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := srv.Stop(pgtest.StopImmediate); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, url); err == nil {
		t.Fatal("connected to a stopped server")
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if got := query(t, url, "SELECT v::text FROM kept"); got != "42" {
		t.Fatalf("committed row after crash recovery = %s, want 42", got)
	}
}

func TestTerminateBackends(t *testing.T) {
	t.Parallel()
	srv := pgtest.Server(t)
	url := srv.NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	n, err := srv.TerminateBackends(ctx, url)
	if err != nil || n != 1 {
		t.Fatalf("TerminateBackends = %d, %v; want 1 connection ended", n, err)
	}
	if err := conn.Ping(ctx); err == nil {
		t.Fatal("connection still alive after termination")
	}
}
