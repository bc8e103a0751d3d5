package persistence

import "context"

// KeyStore keeps the wrapped data keys of crypto-shredding subjects
// (docs/lifecycle.md, package persistence/shred). Keys are stored wrapped
// by a master key the store never sees. Both backends implement it. Safe
// for concurrent use.
type KeyStore interface {
	// SubjectKeys returns the wrapped keys of those subjects that have one.
	SubjectKeys(ctx context.Context, subjects []string) (map[string][]byte, error)
	// CreateSubjectKey stores wrapped as subject's key unless it has one
	// already, and returns the key it has now (the winner's, when two
	// writers race).
	CreateSubjectKey(ctx context.Context, subject string, wrapped []byte) ([]byte, error)
	// DeleteSubjectKey destroys subject's key; it reports whether there
	// was one. The store keeps no copy (on PostgreSQL the row's space is
	// reused after vacuum; on the embedded store the page is zeroed,
	// secure_delete).
	DeleteSubjectKey(ctx context.Context, subject string) (bool, error)
	// KeyCheck stores check (a value only the right master key opens)
	// unless one is stored, and returns the stored one.
	KeyCheck(ctx context.Context, check []byte) ([]byte, error)
}
