package actorstore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
)

// TestForgetShredsForReadersAndSubscribers: with a master key, a
// subscriber catching up after Forget gets the forgotten subject's events
// as shredded markers (and goes on to the next events: the marker is not
// an error), ReadStream shows them the same way, and other subjects read
// as appended.
func TestForgetShredsForReadersAndSubscribers(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{Encryption: actorstore.EncryptionConfig{MasterKey: bytes.Repeat([]byte{1}, 32)}})
		ctx := context.Background()
		personal := func(subject, data string) actorstore.EventData {
			return actorstore.EventData{ID: uuid.New(), Type: "Personal", Data: []byte(data),
				Metadata: map[string]string{actorstore.MetaSubject: subject}}
		}
		for _, e := range []actorstore.EventData{personal("ada", `{"n":"Ada"}`), personal("bob", `{"n":"Bob"}`), personal("ada", `{"n":"Ada 2"}`)} {
			if _, err := st.Append(ctx, "people-1", actorstore.Any(), e); err != nil {
				t.Fatal(err)
			}
		}
		if found, err := st.Forget(ctx, "ada"); err != nil || !found {
			t.Fatalf("Forget = %v, %v", found, err)
		}
		got, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: "people-1", Limit: 10})
		if err != nil || len(got) != 3 {
			t.Fatalf("ReadStream: %d, %v", len(got), err)
		}
		if !actorstore.IsShredded(got[0]) || actorstore.IsShredded(got[1]) || string(got[1].Data) != `{"n":"Bob"}` || !actorstore.IsShredded(got[2]) {
			t.Fatalf("ReadStream after Forget: %q %q %q", got[0].ContentType, got[1].Data, got[2].ContentType)
		}
		sub := collect(t, st, actorstore.SubscribeOptions{Stream: "people-1", Window: 2})
		evs := sub.wait(t, 3)
		if !actorstore.IsShredded(evs[0]) || string(evs[1].Data) != `{"n":"Bob"}` || !actorstore.IsShredded(evs[2]) {
			t.Fatalf("subscriber after Forget: %q %q %q", evs[0].ContentType, evs[1].Data, evs[2].ContentType)
		}
	})
}

// TestWrongMasterKeyRefusesToOpen: a store written with one master key
// does not open with another (ErrWrongMasterKey) and is left as it was;
// a malformed key is an *InputError before anything opens.
func TestWrongMasterKeyRefusesToOpen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	right, wrong := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	st, err := actorstore.Open(ctx, actorstore.Config{DataDir: dir, Encryption: actorstore.EncryptionConfig{MasterKey: right}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(ctx, "p-1", actorstore.NoStream(), actorstore.EventData{ID: uuid.New(), Type: "P",
		Data: []byte(`{}`), Metadata: map[string]string{actorstore.MetaSubject: "ada"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := actorstore.Open(ctx, actorstore.Config{DataDir: dir, Encryption: actorstore.EncryptionConfig{MasterKey: wrong}}); !errors.Is(err, actorstore.ErrWrongMasterKey) {
		t.Fatalf("Open with the wrong master key: %v, want ErrWrongMasterKey", err)
	}
	if _, err := actorstore.Open(ctx, actorstore.Config{DataDir: dir, Encryption: actorstore.EncryptionConfig{MasterKey: wrong[:5]}}); !errors.Is(err, actorstore.ErrInvalidInput) {
		t.Fatalf("Open with a 5-byte master key: %v, want ErrInvalidInput", err)
	}
	st, err = actorstore.Open(ctx, actorstore.Config{DataDir: dir, Encryption: actorstore.EncryptionConfig{MasterKey: right}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: "p-1", Limit: 10})
	if err != nil || len(got) != 1 || actorstore.IsShredded(got[0]) || string(got[0].Data) != `{}` {
		t.Fatalf("read with the right key after a refused one: %+v, %v", got, err)
	}
	_ = st.Close(ctx)
}
