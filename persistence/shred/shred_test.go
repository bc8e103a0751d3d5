package shred_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/shred"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	master = bytes.Repeat([]byte{7}, 32)
	other  = bytes.Repeat([]byte{9}, 32)
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// backends runs f on a fresh SQLite store and a fresh PostgreSQL database.
func backends(t *testing.T, f func(t *testing.T, open func(t *testing.T) shred.Backend)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "events.db")
		f(t, func(t *testing.T) shred.Backend {
			s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		})
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.Server(t).NewDatabase(t)
		f(t, func(t *testing.T) shred.Backend {
			s, err := postgres.New(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		})
	})
}

func newShred(t *testing.T, b shred.Backend, key []byte) *shred.Store {
	t.Helper()
	w, err := shred.NewAESKeyWrapper(key)
	if err != nil {
		t.Fatal(err)
	}
	s, err := shred.New(ctxT(t), b, w)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func subjectEvent(subject, data string) eventstore.EventData {
	e := eventstore.EventData{ID: uuid.New(), Type: "Personal", Data: []byte(data),
		Metadata: map[string]string{"source": "test"}}
	if subject != "" {
		e.Metadata[eventstore.MetaSubject] = subject
	}
	return e
}

func appendOne(t *testing.T, s persistence.Store, stream string, e eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.AppendBatch(ctxT(t), []eventstore.AppendRequest{{Stream: stream, Expected: eventstore.Any(),
		Events: []eventstore.EventData{e}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("append: %v %v", err, res)
	}
	return res[0]
}

// TestEncryptForgetShred: events of a subject round-trip through every
// read (data, content type and metadata as appended), are stored
// encrypted, and once the subject is forgotten read as shredded markers
// (not errors) while other subjects' and plain events are untouched; a
// later append with the forgotten subject gets a new key, and its old
// events stay shredded.
func TestEncryptForgetShred(t *testing.T) {
	backends(t, func(t *testing.T, open func(t *testing.T) shred.Backend) {
		b := open(t)
		s := newShred(t, b, master)
		alice := subjectEvent("alice", `{"name":"Alice Secret"}`)
		bob := subjectEvent("bob", `{"name":"Bob Secret"}`)
		plain := subjectEvent("", `{"name":"nobody"}`)
		for _, e := range []eventstore.EventData{alice, bob, plain} {
			appendOne(t, s, "people-1", e)
		}
		got, err := s.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "people-1", Limit: 10})
		if err != nil || len(got) != 3 {
			t.Fatalf("ReadStream: %d events, %v", len(got), err)
		}
		for i, want := range []eventstore.EventData{alice, bob, plain} {
			if string(got[i].Data) != string(want.Data) || got[i].ContentType != "" || got[i].Metadata["source"] != "test" ||
				got[i].Metadata[eventstore.MetaSubject] != want.Metadata[eventstore.MetaSubject] || len(got[i].Metadata) != len(want.Metadata) {
				t.Fatalf("event %d read back as %q %q %v", i, got[i].Data, got[i].ContentType, got[i].Metadata)
			}
		}
		raw, err := b.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "people-1", Limit: 10})
		if err != nil || raw[0].ContentType != eventstore.ContentTypeEncrypted || bytes.Contains(raw[0].Data, []byte("Alice")) {
			t.Fatalf("stored form of alice's event: %q %q, %v", raw[0].ContentType, raw[0].Data, err)
		}
		if found, err := s.Forget(ctxT(t), "alice"); err != nil || !found {
			t.Fatalf("Forget(alice) = %v, %v", found, err)
		}
		all, err := s.ReadAll(ctxT(t), eventstore.AllRead{Limit: 10})
		if err != nil || len(all) != 3 {
			t.Fatalf("ReadAll after Forget: %d events, %v", len(all), err)
		}
		if !eventstore.IsShredded(all[0]) || len(all[0].Data) != 0 || all[0].Type != "Personal" || all[0].Version != 1 ||
			all[0].Metadata[eventstore.MetaSubject] != "alice" {
			t.Fatalf("alice's event after Forget: %+v", all[0])
		}
		if eventstore.IsShredded(all[1]) || string(all[1].Data) != string(bob.Data) || string(all[2].Data) != string(plain.Data) {
			t.Fatalf("other events after Forget: %q %q", all[1].Data, all[2].Data)
		}
		looked, err := s.LookupEvents(ctxT(t), "people-1", []eventstore.EventID{alice.ID})
		if err != nil || len(looked) != 1 || !eventstore.IsShredded(looked[0]) {
			t.Fatalf("LookupEvents after Forget: %+v, %v", looked, err)
		}
		if found, err := s.Forget(ctxT(t), "alice"); err != nil || found {
			t.Fatalf("second Forget(alice) = %v, %v", found, err)
		}
		again := subjectEvent("alice", `{"name":"Alice Again"}`)
		appendOne(t, s, "people-1", again)
		got, err = s.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "people-1", Limit: 10})
		if err != nil || !eventstore.IsShredded(got[0]) || string(got[3].Data) != string(again.Data) {
			t.Fatalf("after a new key for alice: old %q shredded %v, new %q", got[0].Data, eventstore.IsShredded(got[0]), got[3].Data)
		}
	})
}

// TestWrongMasterKeyFailsAndWritesNothing: a store opened once with a
// master key refuses another with ErrWrongMasterKey; nothing is written.
func TestWrongMasterKeyFailsAndWritesNothing(t *testing.T) {
	backends(t, func(t *testing.T, open func(t *testing.T) shred.Backend) {
		b := open(t)
		s := newShred(t, b, master)
		appendOne(t, s, "people-1", subjectEvent("alice", `{"a":1}`))
		before, _ := b.LastPosition(ctxT(t))
		w, err := shred.NewAESKeyWrapper(other)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := shred.New(ctxT(t), b, w); !errors.Is(err, shred.ErrWrongMasterKey) {
			t.Fatalf("New with another master key: %v, want ErrWrongMasterKey", err)
		}
		after, _ := b.LastPosition(ctxT(t))
		keys, _ := b.SubjectKeys(ctxT(t), []string{"alice"})
		if before != after || len(keys) != 1 {
			t.Fatalf("a refused master key wrote: positions %d -> %d, %d keys", before, after, len(keys))
		}
		if _, err := shred.NewAESKeyWrapper(other[:16]); err == nil {
			t.Fatal("a 16-byte master key was accepted")
		}
	})
}

// TestForgottenPlaintextIsNotInTheFiles: after appending a subject's
// events, forgetting the subject, deleting its stream and scavenging, no
// file of the embedded store holds its plaintext; the same text appended
// without a subject is found by the same scan (the scan works).
func TestForgottenPlaintextIsNotInTheFiles(t *testing.T) {
	dir := t.TempDir()
	b, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(dir, "events.db")})
	if err != nil {
		t.Fatal(err)
	}
	s := newShred(t, b, master)
	secret, control := "S3CRET-PLAINTEXT-8c1f", "CONTROL-PLAINTEXT-77aa"
	for range 50 {
		appendOne(t, s, "customer-1", subjectEvent("customer-1", `{"note":"`+secret+`"}`))
	}
	appendOne(t, s, "control-1", subjectEvent("", `{"note":"`+control+`"}`))
	if _, err := s.Forget(ctxT(t), "customer-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteStream(ctxT(t), eventstore.DeleteRequest{Stream: "customer-1", Hard: true}); err != nil {
		t.Fatal(err)
	}
	if rep, err := persistence.Scavenge(ctxT(t), s, persistence.ScavengeOptions{EventsPerSecond: -1}); err != nil || rep.Events != 50 {
		t.Fatalf("scavenge = %+v, %v", rep, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	sawControl := false
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Fatalf("%s holds the forgotten subject's plaintext", filepath.Base(f))
		}
		sawControl = sawControl || bytes.Contains(data, []byte(control))
	}
	if !sawControl {
		t.Fatal("the scan did not find the plaintext stored without a subject: it proves nothing")
	}
}
