package postgres_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// commitCutter is a TCP proxy in front of PostgreSQL that, when armed,
// closes the client's connection instead of relaying the server's
// CommandComplete "COMMIT": the transaction is committed, but the client
// cannot know it (the commit outcome is unknown).
type commitCutter struct {
	ln     net.Listener
	target string
	armed  atomic.Bool
	cuts   atomic.Int32
	wg     sync.WaitGroup
}

func newCommitCutter(t *testing.T, target string) *commitCutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &commitCutter{ln: ln, target: target}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *commitCutter) serve() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() { defer p.wg.Done(); p.relay(client) }()
	}
}

func (p *commitCutter) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() { io.Copy(server, client); server.Close() }()
	r, w := bufio.NewReader(server), bufio.NewWriter(client)
	commit := []byte("COMMIT\x00")
	for {
		hdr := make([]byte, 5)
		if _, err := io.ReadFull(r, hdr); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(hdr[1:])-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		if hdr[0] == 'C' && string(body) == string(commit) && p.armed.CompareAndSwap(true, false) {
			p.cuts.Add(1)
			return // drop the COMMIT acknowledgement and the connection
		}
		w.Write(hdr)
		w.Write(body)
		if r.Buffered() == 0 && w.Flush() != nil {
			return
		}
	}
}

// TestRetryAfterUnknownCommit loses the connection right after the server
// committed an append. The store's own retry must return the original
// result (a fresh append: the commit was this call's), and a caller's retry
// with the same event IDs the same versions and positions with Idempotent
// set; the events are stored once. With retries disabled, the call fails
// with a *ConnectionError and the caller's retry is idempotent.
func TestRetryAfterUnknownCommit(t *testing.T) {
	t.Parallel()
	srv := pgtest.Server(t)
	dbURL := srv.NewDatabase(t)
	u, _ := url.Parse(dbURL)
	proxy := newCommitCutter(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	s := openStore(t, u.String(), postgres.Config{})
	appendN(t, s, "u-0", 2) // positions 1-2, so the append below starts at 3

	proxy.armed.Store(true)
	req := []eventstore.AppendRequest{{Stream: "u-1", Expected: eventstore.NoStream(),
		Events: []eventstore.EventData{ev("a"), ev("b"), ev("c")}}}
	res, err := s.AppendBatch(context.Background(), req)
	if err != nil || res[0].Err != nil {
		t.Fatalf("append through a lost commit: %v %+v", err, res)
	}
	if proxy.cuts.Load() != 1 {
		t.Fatalf("the proxy cut %d commits, want 1", proxy.cuts.Load())
	}
	want := eventstore.AppendResult{Stream: "u-1", FirstVersion: 1, LastVersion: 3,
		FirstPosition: 3, LastPosition: 5}
	if res[0] != want {
		t.Fatalf("result after the store's retry = %+v, want the original %+v", res[0], want)
	}
	again, err := s.AppendBatch(context.Background(), req)
	want.Idempotent = true
	if err != nil || again[0] != want {
		t.Fatalf("caller's retry = %+v, %v; want %+v", again, err, want)
	}

	once := openStore(t, u.String(), postgres.Config{RetryPolicy: persistence.RetryPolicy{MaxAttempts: 1}})
	proxy.armed.Store(true)
	req[0] = eventstore.AppendRequest{Stream: "u-2", Events: []eventstore.EventData{ev("d")}}
	if _, err := once.AppendBatch(context.Background(), req); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("append through a lost commit without retries: %v, want ErrUnavailable", err)
	}
	again, err = once.AppendBatch(context.Background(), req)
	if err != nil || !again[0].Idempotent || again[0].FirstPosition != 6 {
		t.Fatalf("caller's retry = %+v, %v; want Idempotent at position 6", again, err)
	}
	all, err := s.ReadAll(context.Background(), eventstore.AllRead{Limit: 100})
	if err != nil || len(all) != 6 {
		t.Fatalf("ReadAll = %d events, %v; want 6 (no duplicates)", len(all), err)
	}
}

// TestCrashRecovery streams appends while PostgreSQL is stopped in
// immediate mode and started again. Every acknowledged append must be
// stored; an append that failed must be absent, or (commit outcome
// unknown) wholly present and then a retry reports it Idempotent. The same
// Store keeps working once the server is back.
func TestCrashRecovery(t *testing.T) {
	srv := pgtest.Server(t)
	srv.RequireManaged(t) // not parallel: it stops the binary's server
	url := srv.NewDatabase(t)
	s := openStore(t, url, postgres.Config{OperationTimeout: 5 * time.Second,
		RetryPolicy: persistence.RetryPolicy{MaxAttempts: 3, Base: 20 * time.Millisecond, Cap: 100 * time.Millisecond}})

	// Recovery replays the WAL written since the last checkpoint; start
	// from one, so that it replays this test's appends and not the
	// databases other tests created.
	if err := srv.Exec(context.Background(), "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	w := startWriter(s)
	waitFor(t, "appends before the crash", func() bool { return w.ok.Load() >= 20 })
	if err := srv.Stop(pgtest.StopImmediate); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Start() }) // leave the server up for other tests, even on failure
	waitFor(t, "failed appends while down", func() bool { return w.failed.Load() >= 3 })
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	okAtRestart := w.ok.Load()
	waitFor(t, "appends after the restart", func() bool { return w.ok.Load() >= okAtRestart+20 })
	outcomes := w.stop()

	checkOutcomes(t, s, srv.Password(), outcomes)
}

type outcome struct {
	req eventstore.AppendRequest
	res eventstore.AppendResult
	err error
}

type writer struct {
	ok, failed atomic.Int64
	done       chan struct{}
	outcomes   chan []outcome
}

func startWriter(s *postgres.Store) *writer {
	w := &writer{done: make(chan struct{}), outcomes: make(chan []outcome, 1)}
	go func() {
		var out []outcome
		for i := 0; ; i++ {
			select {
			case <-w.done:
				w.outcomes <- out
				return
			default:
			}
			req := eventstore.AppendRequest{Stream: name("crash", i%4),
				Events: []eventstore.EventData{ev("a"), ev("b"), ev("c")}}
			res, err := s.AppendBatch(context.Background(), []eventstore.AppendRequest{req})
			o := outcome{req: req, err: err}
			if err == nil {
				o.res, o.err = res[0], res[0].Err
			}
			if o.err == nil {
				w.ok.Add(1)
			} else {
				w.failed.Add(1)
			}
			out = append(out, o)
		}
	}()
	return w
}

func (w *writer) stop() []outcome {
	close(w.done)
	return <-w.outcomes
}

func checkOutcomes(t *testing.T, s *postgres.Store, password string, outcomes []outcome) {
	t.Helper()
	ctx := context.Background()
	present, failed, unknown := 0, 0, 0
	for i, o := range outcomes {
		ids := make([]eventstore.EventID, len(o.req.Events))
		for j := range ids {
			ids[j] = o.req.Events[j].ID
		}
		found, err := s.LookupEvents(ctx, o.req.Stream, ids)
		if err != nil {
			t.Fatalf("LookupEvents: %v", err)
		}
		switch {
		case o.err == nil && (len(found) != 3 || found[0].Position != o.res.FirstPosition):
			t.Fatalf("append %d was acknowledged (%+v) but %d of its events are stored", i, o.res, len(found))
		case o.err != nil && len(found) != 0 && len(found) != 3:
			t.Fatalf("failed append %d is partly stored: %d of 3 events", i, len(found))
		case o.err != nil:
			failed++
			if len(found) == 3 {
				unknown++
			}
			checkFailedAppend(t, s, password, o, len(found) == 3)
		}
		if len(found) == 3 {
			present++
		}
	}
	t.Logf("%d appends: %d failed, %d of those committed (outcome unknown) and retried idempotently",
		len(outcomes), failed, unknown)
	checkAllStreams(t, s, 4, present*3)
}

// checkFailedAppend checks a failed append's error and retries it: a
// stored one must come back Idempotent, a missing one must now commit.
func checkFailedAppend(t *testing.T, s *postgres.Store, password string, o outcome, stored bool) {
	t.Helper()
	var ce *eventstore.ConnectionError
	if !errors.As(o.err, &ce) || ce.Host == "" || containsString(o.err.Error(), password) {
		t.Fatalf("append error %v: want a *ConnectionError with host and no password", o.err)
	}
	if !stored {
		return
	}
	res, err := s.AppendBatch(context.Background(), []eventstore.AppendRequest{o.req})
	if err != nil || res[0].Err != nil || !res[0].Idempotent {
		t.Fatalf("retry of an append whose commit outcome was unknown: %v %+v, want Idempotent", err, res)
	}
}

func containsString(s, sub string) bool { return sub != "" && strings.Contains(s, sub) }

func name(prefix string, i int) string { return fmt.Sprintf("%s-%d", prefix, i) }

// waitFor polls cond until it holds, failing t after 30s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}
