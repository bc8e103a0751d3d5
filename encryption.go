package actorstore

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"strings"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/shred"
)

// EncryptionConfig turns on crypto-shredding (docs/lifecycle.md): the data
// of every event appended with the metadata key MetaSubject is stored
// encrypted (AES-256-GCM) under a data key of that subject, kept in the
// store wrapped by MasterKey; Forget destroys a subject's key, and its
// events read as shredded markers from then on (IsShredded).
type EncryptionConfig struct {
	// MasterKey is 32 bytes (AES-256); nil turns encryption off. See
	// MasterKeyFromFile and MasterKeyFromEnv. A store once opened with a
	// master key refuses to open with another (ErrWrongMasterKey).
	MasterKey []byte
}

// Crypto-shredding names, for events and errors.
const (
	// MetaSubject is the metadata key naming an event's subject.
	MetaSubject = eventstore.MetaSubject
	// ContentTypeShredded is the content type of a shredded event.
	ContentTypeShredded = eventstore.ContentTypeShredded
)

// ErrWrongMasterKey: the master key does not open the store's keys; Open
// fails with it and writes nothing.
var ErrWrongMasterKey = shred.ErrWrongMasterKey

// IsShredded reports whether e is the marker of an event whose subject was
// forgotten: its data is gone for good (empty); its type, stream, version,
// position and metadata stay.
func IsShredded(e RecordedEvent) bool { return eventstore.IsShredded(e) }

// MasterKeyFromFile reads a master key from a file: 32 raw bytes, or 64
// hex digits, or 44 characters of standard base64 (surrounding white space
// ignored). The error never contains the key.
func MasterKeyFromFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &eventstore.InputError{Field: "MasterKey", Rule: "readable", Message: "cannot read the master key file: " + err.Error()}
	}
	if len(b) == shred.MasterKeySize {
		return b, nil
	}
	return parseMasterKey(string(b))
}

// MasterKeyFromEnv reads a master key (64 hex digits or standard base64)
// from the environment variable name; nil, nil when it is not set.
func MasterKeyFromEnv(name string) ([]byte, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return nil, nil
	}
	return parseMasterKey(v)
}

func parseMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == shred.MasterKeySize {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == shred.MasterKeySize {
		return b, nil
	}
	return nil, &eventstore.InputError{Field: "MasterKey", Rule: "format",
		Message: "a master key is 32 bytes: 64 hex digits, standard base64, or a file of 32 raw bytes"}
}

func (c EncryptionConfig) validate() error {
	if c.MasterKey != nil && len(c.MasterKey) != shred.MasterKeySize {
		return &eventstore.InputError{Field: "Encryption.MasterKey", Rule: "size",
			Message: "a master key is 32 bytes (AES-256)"}
	}
	return nil
}

// encrypting wraps db with crypto-shredding when cfg asks for it.
func encrypting(ctx context.Context, cfg EncryptionConfig, db persistence.Store) (persistence.Store, error) {
	if cfg.MasterKey == nil {
		return db, nil
	}
	b, ok := db.(shred.Backend)
	if !ok {
		return nil, errors.New("actorstore: the store cannot encrypt")
	}
	w, err := shred.NewAESKeyWrapper(cfg.MasterKey)
	if err != nil {
		return nil, err
	}
	return shred.New(ctx, b, w)
}

// Forget destroys subject's data key (crypto-shredding; needs
// Config.Encryption): every event of subject reads as a shredded marker
// from now on, in this store and in every copy or backup of it, on every
// node. It reports whether the subject had a key. Events a subscription
// already holds may still be delivered once (docs/lifecycle.md).
func (s *Store) Forget(ctx context.Context, subject string) (bool, error) {
	ctx, trace := eventstore.EnsureTraceID(ctx)
	sh, ok := s.db.(*shred.Store)
	if !ok {
		return false, eventstore.AttachTraceID(&eventstore.InputError{Field: "Encryption", Rule: "required",
			Message: "Forget needs Config.Encryption (a master key)"}, trace)
	}
	found, err := sh.Forget(ctx, subject)
	return found, eventstore.AttachTraceID(err, trace)
}
