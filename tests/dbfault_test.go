package tests

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/streams"
)

// The database fault tests stop, restart and lock the binary's one
// PostgreSQL server or database: none of the tests in this package runs
// in parallel.

// loadOutcome is an outcome with when it ended.
type loadOutcome struct {
	outcome
	err error
	end time.Time
}

// load is a steady append load on a Store: writers goroutines, each on its
// own stream with exact expected versions tracked from its results (after
// an error of unknown outcome it appends with Any once, to learn the
// version again), every append bounded by timeout.
type load struct {
	mu   sync.Mutex
	outs []loadOutcome
	ok   int
	fail int
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

func startLoad(st *actorstore.Store, prefix string, writers int, timeout time.Duration) *load {
	l := &load{stop: make(chan struct{})}
	for w := range writers {
		stream := fmt.Sprintf("%s%d", prefix, w)
		l.wg.Go(func() {
			version := int64(0)
			for i := range 1_000_000 { // bounded; stopped by stop
				select {
				case <-l.stop:
					return
				default:
				}
				evs, ids := events(1+i%3, "Fault")
				expected := actorstore.Any()
				if version >= 0 {
					expected = actorstore.Exact(uint64(version))
				}
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				res, err := st.Append(ctx, stream, expected, evs...)
				cancel()
				o := loadOutcome{outcome: outcome{Stream: stream, IDs: ids, Exact: version, OK: err == nil}, err: err, end: time.Now()}
				if err == nil {
					o.FirstVer, o.LastVer, o.FirstPos, o.LastPos = res.FirstVersion, res.LastVersion, res.FirstPosition, res.LastPosition
					version = int64(res.LastVersion)
				} else {
					o.Err, o.Retryable = err.Error(), actorstore.IsRetryable(err)
					version = -1
				}
				l.mu.Lock()
				l.outs = append(l.outs, o)
				if err == nil {
					l.ok++
				} else {
					l.fail++
				}
				l.mu.Unlock()
				if err != nil {
					select { // a failing store fails fast; do not spin on it
					case <-l.stop:
						return
					case <-time.After(10 * time.Millisecond):
					}
				}
			}
		})
	}
	return l
}

func (l *load) counts() (ok, fail int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ok, l.fail
}

// recover waits for the first successful append that ended after since
// and returns how long after since it ended (the recovery time), then for
// settle more successes, so the load is known to run again.
func (l *load) recover(t *testing.T, since time.Time, settle int, first, then string) time.Duration {
	t.Helper()
	var recovery time.Duration
	waitFor(t, 30*time.Second, first, func() bool {
		for _, o := range l.since(since) {
			if o.OK {
				recovery = o.end.Sub(since)
				return true
			}
		}
		return false
	})
	okAt, _ := l.counts()
	waitFor(t, 30*time.Second, then, func() bool { ok, _ := l.counts(); return ok >= okAt+settle })
	return recovery
}

// since returns the outcomes that ended after t.
func (l *load) since(t time.Time) []loadOutcome {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []loadOutcome
	for _, o := range l.outs {
		if o.end.After(t) {
			out = append(out, o)
		}
	}
	return out
}

func (l *load) finish() []loadOutcome {
	l.once.Do(func() { close(l.stop) })
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.outs
}

func plain(outs []loadOutcome) []outcome {
	out := make([]outcome, len(outs))
	for i, o := range outs {
		out[i] = o.outcome
	}
	return out
}

func openStore(t *testing.T, url string) *actorstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := actorstore.Open(ctx, actorstore.Config{PostgresURL: url, RequestTimeout: 5 * time.Second,
		Retry: actorstore.RetryPolicy{MaxAttempts: 3, Base: 20 * time.Millisecond, Cap: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st.Close(ctx)
	})
	return st
}

// checkTypedRetryable fails t for each error that is not a typed,
// retryable store error naming what failed.
func checkTypedRetryable(t *testing.T, outs []loadOutcome, what string) int {
	t.Helper()
	var bad []string
	n := 0
	for _, o := range outs {
		if o.err == nil {
			continue
		}
		n++
		typed := errors.Is(o.err, actorstore.ErrUnavailable) || errors.Is(o.err, actorstore.ErrTimeout)
		if !typed || !actorstore.IsRetryable(o.err) || !namesAppend(o.err, o.outcome) {
			bad = append(bad, fmt.Sprintf("%s: %T %v", o.Stream, o.err, o.err))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s: %d errors not typed, retryable and with context:\n%s", what, len(bad), summarize(bad))
	}
	return n
}

// namesAppend reports whether err names the append o in the fields of its
// type, with the trace ID: a *TimeoutError its stream and expected
// version, a *ConnectionError its stream, operation and host, a
// *streams.StreamError its stream.
func namesAppend(err error, o outcome) bool {
	var (
		te *actorstore.TimeoutError
		ce *actorstore.ConnectionError
		se *streams.StreamError
	)
	switch {
	case errors.As(err, &te):
		return te.Op == "append" && te.Stream == o.Stream && te.Expected == o.expected() && actorstore.TraceIDOf(err) != ""
	case errors.As(err, &ce):
		return ce.Stream == o.Stream && ce.Op != "" && ce.Host != "" && actorstore.TraceIDOf(err) != ""
	case errors.As(err, &se):
		return se.Stream == o.Stream && actorstore.TraceIDOf(err) != ""
	}
	return false
}

// TestPostgresRestartUnderLoad stops PostgreSQL (immediate mode: a crash)
// under a steady append load and starts it again. While it is down,
// callers get typed, retryable errors with their context; afterwards the
// same Store serves again without being reopened, within 30 s (the time
// from the server accepting connections to the first successful append is
// logged: the target is 2 s). Nothing acknowledged is lost.
func TestPostgresRestartUnderLoad(t *testing.T) {
	srv := pgtest.Server(t)
	srv.RequireManaged(t)
	url := srv.NewDatabase(t)
	st := openStore(t, url)
	// Recovery replays the WAL since the last checkpoint: take one, so it
	// replays this test's appends, not every database created before.
	if err := srv.Exec(context.Background(), "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	l := startLoad(st, "down-", 4, 2*time.Second)
	defer l.finish()
	waitFor(t, 30*time.Second, "appends before the crash", func() bool { ok, _ := l.counts(); return ok >= 50 })

	if err := srv.Stop(pgtest.StopImmediate); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	up := false
	t.Cleanup(func() {
		if !up {
			srv.Start() // leave the server up for the other tests, even on failure
		}
	})
	_, failBefore := l.counts()
	waitFor(t, 30*time.Second, "failed appends while down", func() bool { _, f := l.counts(); return f >= failBefore+8 })
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	up = true
	restarted := time.Now()
	recovery := l.recover(t, restarted, 50, "the first successful append after the restart", "appends after the restart")
	outs := l.finish()

	var down []loadOutcome
	for _, o := range outs {
		if o.end.After(stopped) && o.end.Before(restarted) {
			down = append(down, o)
		}
	}
	failedDown := checkTypedRetryable(t, down, "while PostgreSQL was down")
	for _, o := range down {
		if o.err != nil {
			t.Logf("an error while down: %v", o.err)
			break
		}
	}
	tl := checkStore(t, openDirect(t, url), "down-", plain(outs))
	t.Logf("PostgreSQL down %v: %d appends failed typed and retryable; recovery from accepting connections "+
		"to the first successful append: %v; %d appends checked (%d acknowledged, %d failed and absent, "+
		"%d unknown and complete), %d events",
		restarted.Sub(stopped).Round(time.Millisecond), failedDown, recovery.Round(time.Millisecond), len(outs),
		tl.acked, tl.failedAbsent, tl.unknownCommitted, tl.events)
}

// TestTerminatedBackendsUnderLoad ends every connection of the store's
// database (pg_terminate_backend) five times under load: appends go on
// succeeding (retried inside the store) or fail typed and retryable, and
// nothing acknowledged is lost or written in part.
func TestTerminatedBackendsUnderLoad(t *testing.T) {
	srv := pgtest.Server(t)
	url := srv.NewDatabase(t)
	st := openStore(t, url)
	l := startLoad(st, "term-", 4, 5*time.Second)
	defer l.finish()
	terminated := 0
	for range 5 {
		okAt, _ := l.counts()
		waitFor(t, 30*time.Second, "appends between terminations", func() bool { ok, _ := l.counts(); return ok >= okAt+30 })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		n, err := srv.TerminateBackends(ctx, url)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		terminated += n
	}
	okAt, _ := l.counts()
	waitFor(t, 30*time.Second, "appends after the last termination", func() bool { ok, _ := l.counts(); return ok >= okAt+30 })
	outs := l.finish()
	if terminated == 0 {
		t.Fatal("no backend was terminated: the test tested nothing")
	}
	failed := checkTypedRetryable(t, outs, "with backends terminated")
	tl := checkStore(t, openDirect(t, url), "term-", plain(outs))
	t.Logf("%d backends terminated in 5 rounds: %d appends checked (%d acknowledged, %d failed typed and retryable, "+
		"%d unknown and complete), %d events", terminated, len(outs), tl.acked, failed, tl.unknownCommitted, tl.events)
}

// TestLockedDatabaseTimesOut holds the global position row locked from
// another session, so that every commit waits: appends with a 500 ms
// deadline get a typed timeout error (retryable, naming the stream, the
// expected version and the trace ID), nothing is written in part, and
// appends succeed again once the lock is released.
func TestLockedDatabaseTimesOut(t *testing.T) {
	srv := pgtest.Server(t)
	url := srv.NewDatabase(t)
	st := openStore(t, url)
	l := startLoad(st, "lock-", 4, 500*time.Millisecond)
	defer l.finish()
	waitFor(t, 30*time.Second, "appends before the lock", func() bool { ok, _ := l.counts(); return ok >= 30 })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT position FROM global_position FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	locked := time.Now()
	_, failAt := l.counts()
	waitFor(t, 30*time.Second, "appends timing out behind the lock", func() bool { _, f := l.counts(); return f >= failAt+8 })
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	released := time.Now()
	recovery := l.recover(t, released, 30, "the first successful append after the lock", "appends after the lock")
	outs := l.finish()

	var behind []loadOutcome
	for _, o := range outs {
		if o.end.After(locked.Add(600*time.Millisecond)) && o.end.Before(released) {
			behind = append(behind, o)
		}
	}
	var bad []string
	timeouts := 0
	for _, o := range behind {
		switch {
		case o.err == nil:
			bad = append(bad, fmt.Sprintf("append to %s succeeded while the lock was held", o.Stream))
		case !errors.Is(o.err, actorstore.ErrTimeout) || !actorstore.IsRetryable(o.err) || !namesAppend(o.err, o.outcome):
			bad = append(bad, fmt.Sprintf("%s: %T %v: not a typed, retryable timeout naming the append", o.Stream, o.err, o.err))
		default:
			timeouts++
		}
	}
	if len(bad) > 0 {
		t.Errorf("behind the lock:\n%s", summarize(bad))
	}
	if timeouts == 0 {
		t.Error("no append timed out behind the lock")
	}
	for _, o := range behind {
		if o.err != nil {
			t.Logf("a timeout behind the lock: %v", o.err)
			break
		}
	}
	tl := checkStore(t, openDirect(t, url), "lock-", plain(outs))
	t.Logf("lock held %v: %d appends timed out (typed, retryable); first success %v after release; %d appends checked "+
		"(%d acknowledged, %d failed and absent, %d unknown and complete)", released.Sub(locked).Round(time.Millisecond),
		timeouts, recovery.Round(time.Millisecond), len(outs), tl.acked, tl.failedAbsent, tl.unknownCommitted)
}

// TestStatementTimeoutFailsTypedAndResumes sets statement_timeout = 1ms
// on the store's database (and ends its connections, so that new ones
// take the setting) under load: appends cancelled by the server fail with
// typed, retryable errors and write nothing in part (those the server
// cancelled, SQLSTATE 57014, match ErrTimeout); once the setting is reset,
// appends succeed again on the same Store.
func TestStatementTimeoutFailsTypedAndResumes(t *testing.T) {
	srv := pgtest.Server(t)
	url := srv.NewDatabase(t)
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	db := pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize()
	st := openStore(t, url)
	l := startLoad(st, "stmt-", 4, 2*time.Second)
	defer l.finish()
	waitFor(t, 30*time.Second, "appends before the timeout is set", func() bool { ok, _ := l.counts(); return ok >= 30 })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := srv.Exec(ctx, "ALTER DATABASE "+db+" SET statement_timeout = '1ms'"); err != nil {
		t.Fatal(err)
	}
	reset := false
	t.Cleanup(func() {
		if !reset {
			srv.Exec(context.Background(), "ALTER DATABASE "+db+" RESET statement_timeout")
		}
	})
	if _, err := srv.TerminateBackends(ctx, url); err != nil {
		t.Fatal(err)
	}
	set := time.Now()
	cancelled := func() int {
		n := 0
		for _, o := range l.since(set) {
			if o.err != nil && strings.Contains(o.Err, "57014") {
				n++
			}
		}
		return n
	}
	waitFor(t, 30*time.Second, "appends cancelled by the statement timeout", func() bool { return cancelled() >= 3 })
	if err := srv.Exec(ctx, "ALTER DATABASE "+db+" RESET statement_timeout"); err != nil {
		t.Fatal(err)
	}
	reset = true
	if _, err := srv.TerminateBackends(ctx, url); err != nil {
		t.Fatal(err)
	}
	released := time.Now()
	recovery := l.recover(t, released, 30, "the first successful append after the reset", "appends after the reset")
	n := cancelled()
	outs := l.finish()
	failed := checkTypedRetryable(t, outs, "under a 1ms statement timeout")
	for _, o := range outs {
		if o.err != nil && strings.Contains(o.Err, "57014") && !errors.Is(o.err, actorstore.ErrTimeout) {
			t.Errorf("%s: statement timeout is not ErrTimeout: %T %v", o.Stream, o.err, o.err)
		}
	}
	tl := checkStore(t, openDirect(t, url), "stmt-", plain(outs))
	t.Logf("statement_timeout 1ms: %d appends cancelled by the server (SQLSTATE 57014), %d failed in all, typed and retryable; "+
		"first success %v after the reset; %d appends checked (%d acknowledged, %d failed and absent, %d unknown and complete)",
		n, failed, recovery.Round(time.Millisecond), len(outs), tl.acked, tl.failedAbsent, tl.unknownCommitted)
}
