package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Sizes of the concurrency test: exactWriters goroutines append with exact
// expected versions to a few shared streams (retrying on conflict);
// anyWriters goroutines append batches of two requests, one to a shared
// stream with Any and one to their own stream with an exact version.
const (
	exactWriters   = 100
	anyWriters     = 100
	appendsEach    = 3
	exactStreams   = 8
	anyStreams     = 4
	maxConflictTry = 2000
)

// success is one committed request as its writer saw it.
type success struct {
	stream string
	res    eventstore.AppendResult
	events []eventstore.EventData
}

// conflict is one *ConcurrencyError as its writer saw it.
type conflict struct {
	err      *eventstore.ConcurrencyError
	expected eventstore.Version // what the writer sent
	known    eventstore.Version // the newest version the writer knew of before
}

type concurrencyLog struct {
	mu        sync.Mutex
	successes []success
	conflicts []conflict
}

func (l *concurrencyLog) ok(s success) {
	l.mu.Lock()
	l.successes = append(l.successes, s)
	l.mu.Unlock()
}

func (l *concurrencyLog) conflict(c conflict) {
	l.mu.Lock()
	l.conflicts = append(l.conflicts, c)
	l.mu.Unlock()
}

// testConcurrency runs hundreds of concurrent writers and a paging reader,
// then checks: contiguous versions, no duplicates, every success readable at
// the versions and positions it was given, every conflict reporting a
// version the stream really had, and a reader that never skipped an event.
func testConcurrency(t *testing.T, f Factory) {
	st := open(t, f)
	var (
		log   concurrencyLog
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for g := range exactWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			exactWriter(t, st, name("shared", g%exactStreams), g, &log)
		}()
	}
	for g := range anyWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			anyWriter(t, st, g, &log)
		}()
	}
	writersDone := make(chan struct{})
	readerDone := make(chan []eventstore.RecordedEvent)
	notes, err := st.Notifications(ctxFor(t))
	if err != nil {
		t.Fatalf("Notifications: %v", err)
	}
	go func() { readerDone <- pageReader(t, st, notes, writersDone) }()
	close(start)
	wg.Wait()
	close(writersDone)
	paged := <-readerDone
	if t.Failed() {
		return
	}
	checkConcurrencyResult(t, st, &log, paged)
}

// exactWriter makes appendsEach appends to stream with exact expected
// versions, retrying on conflict with the actual version reported.
func exactWriter(t *testing.T, st persistence.Store, stream string, g int, log *concurrencyLog) {
	var known eventstore.Version
	for i := range appendsEach {
		events := evs(1+(g+i)%3, "Exact")
		for try := 0; ; try++ {
			if try == maxConflictTry {
				t.Errorf("writer %d: no success on %q after %d conflicts", g, stream, try)
				return
			}
			exp := eventstore.Exact(known)
			res, err := st.AppendBatch(ctxFor(t), []eventstore.AppendRequest{req(stream, exp, events...)})
			if err != nil {
				t.Errorf("writer %d: AppendBatch: %v", g, err)
				return
			}
			var ce *eventstore.ConcurrencyError
			if errors.As(res[0].Err, &ce) {
				log.conflict(conflict{err: ce, expected: known, known: known})
				known = ce.Actual
				continue
			}
			if res[0].Err != nil {
				t.Errorf("writer %d: append to %q: %v", g, stream, res[0].Err)
				return
			}
			log.ok(success{stream: stream, res: res[0], events: events})
			known = res[0].LastVersion
			break
		}
	}
}

// anyWriter appends transactions (a Group) of two requests: Any to a
// shared stream, and an exact version to the writer's own stream.
func anyWriter(t *testing.T, st persistence.Store, g int, log *concurrencyLog) {
	own := name("own", g)
	for i := range appendsEach {
		shared := name("any", (g+i)%anyStreams)
		a, b := evs(1+i%2, "Any"), evs(1+(g+i)%3, "Own")
		reqs := []eventstore.AppendRequest{ // one transaction
			{Stream: shared, Expected: eventstore.Any(), Events: a, Group: 1},
			{Stream: own, Expected: eventstore.Exact(uint64(len(log.ownEvents(own)))), Events: b, Group: 1},
		}
		res, err := st.AppendBatch(ctxFor(t), reqs)
		if err != nil {
			t.Errorf("writer %d: AppendBatch: %v", g, err)
			return
		}
		for k := range res {
			if res[k].Err != nil {
				t.Errorf("writer %d: append to %q: %v", g, reqs[k].Stream, res[k].Err)
				return
			}
			log.ok(success{stream: reqs[k].Stream, res: res[k], events: reqs[k].Events})
		}
	}
}

// ownEvents returns the events committed so far to stream (one writer per
// own stream, so this is its version).
func (l *concurrencyLog) ownEvents(stream string) []eventstore.EventData {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []eventstore.EventData
	for _, s := range l.successes {
		if s.stream == stream {
			out = append(out, s.events...)
		}
	}
	return out
}

// pageReader reads all events forward in small pages while the writers
// run, continuing from after the newest position it has seen (waiting for a
// notification when it has caught up), and returns what it read once the
// writers are done and it reached the end.
func pageReader(t *testing.T, st persistence.Store, notes <-chan eventstore.Position,
	writersDone <-chan struct{}) []eventstore.RecordedEvent {
	var (
		got  []eventstore.RecordedEvent
		next eventstore.Position = 1
		done bool
	)
	for {
		select {
		case <-writersDone:
			done = true // one more read after this reaches the end for sure
		default:
		}
		page, err := st.ReadAll(ctxFor(t), eventstore.AllRead{From: next, Limit: 50})
		if err != nil {
			t.Errorf("paging reader: %v", err)
			return got
		}
		got = append(got, page...)
		if len(page) > 0 {
			next = page[len(page)-1].Position + 1
		}
		if len(page) > 0 {
			continue
		}
		if done {
			return got
		}
		select {
		case <-notes:
		case <-writersDone:
		}
	}
}

func checkConcurrencyResult(t *testing.T, st persistence.Store, log *concurrencyLog, paged []eventstore.RecordedEvent) {
	all := readAll(t, st)
	seen := make(map[eventstore.EventID]bool)
	total := 0
	for _, s := range log.successes {
		total += len(s.events)
	}
	if len(all) != total {
		t.Fatalf("ReadAll has %d events, the writers committed %d", len(all), total)
	}
	for i, e := range all {
		if seen[e.ID] {
			t.Fatalf("event %s stored twice", e.ID)
		}
		seen[e.ID] = true
		if i > 0 && e.Position <= all[i-1].Position {
			t.Fatalf("ReadAll: position %d after %d", e.Position, all[i-1].Position)
		}
	}
	if fmt.Sprint(positions(paged)) != fmt.Sprint(positions(all)) {
		t.Fatalf("the paging reader skipped events: it read %d, there are %d", len(paged), len(all))
	}
	if last := lastPosition(t, st); last != all[len(all)-1].Position {
		t.Fatalf("LastPosition %d, newest event at %d", last, all[len(all)-1].Position)
	}
	byStream := make(map[string][]eventstore.RecordedEvent)
	for _, e := range all {
		byStream[e.Stream] = append(byStream[e.Stream], e)
	}
	heads := make(map[string]map[eventstore.Version]bool) // versions each stream really had
	for stream, events := range byStream {
		heads[stream] = map[eventstore.Version]bool{0: true}
		for i, e := range events {
			if e.Version != uint64(i+1) {
				t.Fatalf("stream %q: event %d has version %d (gap or duplicate)", stream, i, e.Version)
			}
		}
	}
	for _, s := range log.successes {
		checkSuccess(t, byStream[s.stream], s)
		heads[s.stream][s.res.LastVersion] = true
	}
	for _, c := range log.conflicts {
		ce := c.err
		if !heads[ce.Stream][ce.Actual] || ce.Actual == c.expected || ce.Actual < c.known {
			t.Fatalf("ConcurrencyError on %q: actual %d, expected %d, writer knew %d: not a version the stream had then",
				ce.Stream, ce.Actual, c.expected, c.known)
		}
	}
	t.Logf("%d successful requests, %d conflicts, %d events", len(log.successes), len(log.conflicts), total)
}

// checkSuccess checks that a success's events are stored at the versions
// and positions its result gave.
func checkSuccess(t *testing.T, stream []eventstore.RecordedEvent, s success) {
	n := uint64(len(s.events))
	if s.res.LastVersion-s.res.FirstVersion+1 != n || s.res.Idempotent {
		t.Fatalf("result %+v for %d events", s.res, n)
	}
	if int(s.res.LastVersion) > len(stream) {
		t.Fatalf("stream %q has %d events, a result says version %d", s.stream, len(stream), s.res.LastVersion)
	}
	got := stream[s.res.FirstVersion-1 : s.res.LastVersion]
	for i := range got {
		if got[i].ID != s.events[i].ID {
			t.Fatalf("stream %q version %d holds event %s, the writer was told %s", s.stream, got[i].Version,
				got[i].ID, s.events[i].ID)
		}
	}
	if got[0].Position != s.res.FirstPosition || got[len(got)-1].Position != s.res.LastPosition {
		t.Fatalf("stream %q: events at positions %d..%d, result says %d..%d", s.stream,
			got[0].Position, got[len(got)-1].Position, s.res.FirstPosition, s.res.LastPosition)
	}
}
