package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
)

func TestIsTransient(t *testing.T) {
	t.Parallel()
	pg := func(code string) error { return fmt.Errorf("query: %w", &pgconn.PgError{Code: code}) }
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{}}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"admin shutdown 57P01", pg("57P01"), true},
		{"crash shutdown 57P02", pg("57P02"), true},
		{"cannot connect now 57P03", pg("57P03"), true},
		{"serialization failure 40001", pg("40001"), true},
		{"deadlock 40P01", pg("40P01"), true},
		{"connection failure 08006", pg("08006"), true},
		{"too many connections 53300", pg("53300"), true},
		{"unique violation 23505", pg("23505"), false},
		{"syntax error 42601", pg("42601"), false},
		{"invalid password 28P01", pg("28P01"), false},
		{"connection refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"net error", refused, true},
		{"unexpected EOF", fmt.Errorf("receive: %w", io.ErrUnexpectedEOF), true},
		{"attempt deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), true},
		{"canceled", fmt.Errorf("query: %w", context.Canceled), false},
		{"concurrency", &eventstore.ConcurrencyError{Stream: "s"}, false},
		{"input", &eventstore.InputError{Field: "f"}, false},
		{"plain", errors.New("something else"), false},
	}
	for _, c := range cases {
		if got := postgres.IsTransient(c.err); got != c.want {
			t.Errorf("%s: IsTransient = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestConnectionErrorNamesHostNotPassword(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	const password = "hunter2-not-in-errors"
	ctx := context.Background()
	_, err = postgres.Open(ctx, postgres.Config{
		URL:         "postgres://app:" + password + "@" + addr + "/db?sslmode=disable",
		RetryPolicy: persistence.RetryPolicy{MaxAttempts: 3, Base: time.Millisecond, Cap: 2 * time.Millisecond},
	})
	var ce *eventstore.ConnectionError
	if !errors.As(err, &ce) {
		t.Fatalf("Open on a closed port: %v, want *ConnectionError", err)
	}
	if ce.Host != addr || ce.Attempts != 3 || ce.Op == "" {
		t.Fatalf("ConnectionError = %+v, want host %s, 3 attempts", ce, addr)
	}
	if !errors.Is(err, eventstore.ErrUnavailable) || !eventstore.IsRetryable(err) {
		t.Fatalf("%v: want ErrUnavailable and retryable", err)
	}
	if strings.Contains(err.Error(), password) {
		t.Fatalf("error text carries the password: %v", err)
	}
}

func TestWrongPasswordIsNotRetriedOrPrinted(t *testing.T) {
	t.Parallel()
	srv := pgtest.Server(t)
	srv.RequireManaged(t)
	const wrong = "wrong-password-xyz"
	_, err := postgres.Open(context.Background(), postgres.Config{
		URL: "postgres://postgres:" + wrong + "@" + srv.Host() + "/postgres?sslmode=disable"})
	var ce *eventstore.ConnectionError
	if !errors.As(err, &ce) || ce.Attempts != 1 {
		t.Fatalf("Open with a wrong password: %v, want a *ConnectionError after 1 attempt", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), srv.Password()) {
		t.Fatalf("error text carries a password: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	const password = "pa55-in-url"
	cases := []struct {
		name  string
		cfg   postgres.Config
		field string
	}{
		{"no URL", postgres.Config{}, "URL"},
		{"bad URL", postgres.Config{URL: "postgres://u:" + password + "@host:notaport/db"}, "URL"},
		{"negative pool", postgres.Config{URL: "postgres://h/db", MaxConns: -1}, "MaxConns"},
		{"min above max", postgres.Config{URL: "postgres://h/db", MaxConns: 2, MinConns: 3}, "MinConns"},
		{"attempt above operation", postgres.Config{URL: "postgres://h/db",
			OperationTimeout: time.Second, AttemptTimeout: 2 * time.Second}, "AttemptTimeout"},
		{"cache mode", postgres.Config{URL: "postgres://h/db", StatementCacheMode: "fast"}, "StatementCacheMode"},
		{"channel", postgres.Config{URL: "postgres://h/db", NotifyChannel: strings.Repeat("c", 64)}, "NotifyChannel"},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		var ie *eventstore.InputError
		if !errors.As(err, &ie) || ie.Field != c.field {
			t.Errorf("%s: Validate = %v, want *InputError on %s", c.name, err, c.field)
			continue
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("%s: error text carries the password: %v", c.name, err)
		}
	}
	if err := (postgres.Config{URL: "postgres://u:p@h:5432/db"}).Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	if s := (postgres.Config{URL: "postgres://u:" + password + "@h/db"}).String(); strings.Contains(s, password) {
		t.Fatalf("Config.String carries the password: %s", s)
	}
}
