// Package shred is crypto-shredding for a persistence store
// (docs/lifecycle.md, docs/adr/0018-crypto-shredding.md).
//
// An event appended with the metadata key eventstore.MetaSubject is stored
// with its data encrypted (AES-256-GCM, Go's crypto/aes and crypto/cipher)
// under a data key of its own subject. Data keys are random, kept in the
// store (persistence.KeyStore) wrapped by a KeyWrapper: the operator's
// master key (NewAESKeyWrapper), or later a KMS. Forget destroys a
// subject's key: from then on every event of that subject reads, in this
// store and in every copy or backup of it, as a shredded marker
// (eventstore.IsShredded: empty data, content type
// eventstore.ContentTypeShredded), not as an error, so reads and
// subscriptions go on.
//
// Store wraps a backend and is used in its place: appends encrypt, reads
// (ReadStream, ReadAll, LookupEvents) decrypt or mark. It keeps no key in
// memory beyond one call, so a Forget on one node holds on every node
// that shares the database at their next read. Only data is encrypted:
// the event type, stream ID and metadata (the subject included) stay
// readable. Snapshots are not encrypted.
//
// A Store is safe for concurrent use.
package shred
