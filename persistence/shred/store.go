package shred

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Backend is what Store wraps: a backend of this module (both implement
// every interface here). Store passes every method it does not change
// through.
type Backend interface {
	persistence.Store
	persistence.SnapshotStore
	persistence.StreamDeleter
	persistence.Scavenger
	persistence.Leaser
	persistence.LeaseLister
	persistence.StatsReporter
	persistence.KeyStore
	persistence.StreamLister
}

// Store encrypts the data of events that name a subject and decrypts (or
// marks as shredded) what it reads. See the package documentation.
type Store struct {
	Backend
	w KeyWrapper
}

// Unwrap returns the backend s wraps: for what runs beside the events on
// the backend's own database (a projection's transaction).
func (s *Store) Unwrap() persistence.Store { return s.Backend }

// keyIDSize prefixes a stored key and every ciphertext: a ciphertext
// whose key ID is not the subject's key's (a key created after a Forget)
// reads as shredded.
const keyIDSize = 8

// formatV1 is the first byte of an encrypted event's data.
const formatV1 = 1

// New wraps b. It checks w against the store's key check (written by the
// first New on a store): a wrong master key fails with ErrWrongMasterKey
// and nothing is written.
func New(ctx context.Context, b Backend, w KeyWrapper) (*Store, error) {
	check, err := w.Wrap("", make([]byte, MasterKeySize))
	if err != nil {
		return nil, err
	}
	stored, err := b.KeyCheck(ctx, check)
	if err != nil {
		return nil, err
	}
	if _, err := w.Unwrap("", stored); err != nil {
		return nil, err
	}
	return &Store{Backend: b, w: w}, nil
}

// Forget destroys subject's data key: every event of subject reads as
// shredded from now on. It reports whether the subject had a key. An
// append naming the subject later gets a new key (its old events stay
// shredded).
func (s *Store) Forget(ctx context.Context, subject string) (bool, error) {
	if subject == "" {
		return false, &eventstore.InputError{Field: "subject", Rule: "required", Message: "subject is empty"}
	}
	return s.Backend.DeleteSubjectKey(ctx, subject)
}

// dataKey is a subject's unwrapped key.
type dataKey struct {
	id   []byte
	aead cipher.AEAD
}

// keys returns the data keys of subjects; with create, it makes the
// missing ones. Without, a subject without a key is absent (forgotten).
func (s *Store) keys(ctx context.Context, subjects map[string]bool, create bool) (map[string]dataKey, error) {
	list := make([]string, 0, len(subjects))
	for sub := range subjects {
		list = append(list, sub)
	}
	stored, err := s.Backend.SubjectKeys(ctx, list)
	if err != nil {
		return nil, err
	}
	out := make(map[string]dataKey, len(list))
	for _, sub := range list {
		raw, ok := stored[sub]
		if !ok && create {
			if raw, err = s.newKey(ctx, sub); err != nil {
				return nil, err
			}
			ok = true
		}
		if !ok {
			continue
		}
		k, err := s.unwrap(sub, raw)
		if err != nil {
			return nil, err
		}
		out[sub] = k
	}
	return out, nil
}

// newKey creates subject's key, or returns the one another writer stored first.
func (s *Store) newKey(ctx context.Context, subject string) ([]byte, error) {
	key := make([]byte, keyIDSize+MasterKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	wrapped, err := s.w.Wrap(subject, key[keyIDSize:])
	if err != nil {
		return nil, err
	}
	return s.Backend.CreateSubjectKey(ctx, subject, append(key[:keyIDSize:keyIDSize], wrapped...))
}

func (s *Store) unwrap(subject string, raw []byte) (dataKey, error) {
	if len(raw) < keyIDSize {
		return dataKey{}, fmt.Errorf("shred: the stored key of subject %q is malformed", subject)
	}
	key, err := s.w.Unwrap(subject, raw[keyIDSize:])
	if err != nil {
		return dataKey{}, fmt.Errorf("shred: key of subject %q: %w", subject, err)
	}
	aead, err := newGCM(key)
	if err != nil {
		return dataKey{}, err
	}
	return dataKey{id: raw[:keyIDSize], aead: aead}, nil
}

// AppendBatch encrypts the data of events that name a subject, then
// appends. The requests given are not changed.
func (s *Store) AppendBatch(ctx context.Context, reqs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	subjects := map[string]bool{}
	for i := range reqs {
		for j := range reqs[i].Events {
			if sub := reqs[i].Events[j].Metadata[eventstore.MetaSubject]; sub != "" {
				subjects[sub] = true
			}
		}
	}
	if len(subjects) == 0 {
		return s.Backend.AppendBatch(ctx, reqs)
	}
	keys, err := s.keys(ctx, subjects, true)
	if err != nil {
		return nil, err
	}
	out := make([]eventstore.AppendRequest, len(reqs))
	for i, r := range reqs {
		out[i] = r
		out[i].Events = make([]eventstore.EventData, len(r.Events))
		for j, e := range r.Events {
			if out[i].Events[j], err = encrypt(e, keys); err != nil {
				return nil, err
			}
		}
	}
	return s.Backend.AppendBatch(ctx, out)
}

func encrypt(e eventstore.EventData, keys map[string]dataKey) (eventstore.EventData, error) {
	sub := e.Metadata[eventstore.MetaSubject]
	if sub == "" {
		return e, nil
	}
	k := keys[sub]
	sealed, err := seal(k.aead, e.Data, e.ID[:])
	if err != nil {
		return e, err
	}
	data := make([]byte, 0, 1+keyIDSize+len(sealed))
	data = append(append(append(data, formatV1), k.id...), sealed...)
	meta := maps.Clone(e.Metadata)
	if e.ContentType != "" {
		meta[eventstore.MetaContentType] = e.ContentType
	}
	e.Data, e.ContentType, e.Metadata = data, eventstore.ContentTypeEncrypted, meta
	return e, nil
}

// ReadStream reads and decrypts (or marks shredded).
func (s *Store) ReadStream(ctx context.Context, r eventstore.StreamRead) ([]eventstore.RecordedEvent, error) {
	return s.decrypt(ctx)(s.Backend.ReadStream(ctx, r))
}

// ReadAll reads and decrypts (or marks shredded).
func (s *Store) ReadAll(ctx context.Context, r eventstore.AllRead) ([]eventstore.RecordedEvent, error) {
	return s.decrypt(ctx)(s.Backend.ReadAll(ctx, r))
}

// LookupEvents looks up and decrypts (or marks shredded).
func (s *Store) LookupEvents(ctx context.Context, stream string, ids []eventstore.EventID) ([]eventstore.RecordedEvent, error) {
	return s.decrypt(ctx)(s.Backend.LookupEvents(ctx, stream, ids))
}

// decrypt returns a function that decrypts the events of a read in place.
func (s *Store) decrypt(ctx context.Context) func([]eventstore.RecordedEvent, error) ([]eventstore.RecordedEvent, error) {
	return func(evs []eventstore.RecordedEvent, err error) ([]eventstore.RecordedEvent, error) {
		if err != nil {
			return evs, err
		}
		subjects := map[string]bool{}
		for i := range evs {
			if evs[i].ContentType == eventstore.ContentTypeEncrypted {
				subjects[evs[i].Metadata[eventstore.MetaSubject]] = true
			}
		}
		if len(subjects) == 0 {
			return evs, nil
		}
		keys, err := s.keys(ctx, subjects, false)
		if err != nil {
			return nil, err
		}
		for i := range evs {
			if evs[i].ContentType == eventstore.ContentTypeEncrypted {
				open1(&evs[i], keys)
			}
		}
		return evs, nil
	}
}

// open1 decrypts e in place, or makes it the shredded marker when its
// subject's key is gone (or is a newer key than the one it was sealed with).
func open1(e *eventstore.RecordedEvent, keys map[string]dataKey) {
	sub := e.Metadata[eventstore.MetaSubject]
	k, ok := keys[sub]
	var plain []byte
	var err error = errShredded
	if ok && len(e.Data) > 1+keyIDSize && e.Data[0] == formatV1 && string(e.Data[1:1+keyIDSize]) == string(k.id) {
		plain, err = open(k.aead, e.Data[1+keyIDSize:], e.ID[:])
	}
	meta := maps.Clone(e.Metadata)
	if err != nil {
		e.Data, e.ContentType, e.Metadata = []byte{}, eventstore.ContentTypeShredded, meta
		return
	}
	e.ContentType = meta[eventstore.MetaContentType]
	delete(meta, eventstore.MetaContentType)
	e.Data, e.Metadata = plain, meta
}

var errShredded = errors.New("shredded")
