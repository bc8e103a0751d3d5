package persistence

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/actorstore/actorstore/eventstore"
)

// Leaser gives a named consumer (a durable subscription, a consumer-group
// member slot, a projection) exactly one owner among all processes on one
// database, with a fencing token (docs/adr/0011-consumer-leases.md). Both
// backends implement it; storetest "Lease" is its conformance suite. All
// methods are safe for concurrent use and use the database's clock, so the
// owners' clocks need not agree.
//
// The protocol: AcquireLease until it succeeds (it fails with a
// *LeaseHeldError while another owner's lease runs), RenewLease well within
// the TTL, write progress only with SetCheckpointFenced, ReleaseLease on a
// clean stop. An owner that cannot renew in time must stop working: once its
// lease has expired another owner may take it (with a higher token) and then
// every fenced write of the old token is refused, in the same statement that
// would have written it, so a paused or partitioned former owner can never
// overwrite the new owner's progress.
type Leaser interface {
	// AcquireLease makes owner the holder of the lease name for ttl. It
	// succeeds when the lease is free, expired, released, or already held by
	// owner (then it is extended and keeps its token). A new holder gets a
	// token greater than every token of name before it. It fails with a
	// *LeaseHeldError naming the holder while another owner's lease runs.
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (Lease, error)

	// RenewLease extends the lease held with token by ttl from now. It fails
	// with ErrLeaseLost when token is no longer the lease's (another owner
	// took it after it expired).
	RenewLease(ctx context.Context, name string, token int64, ttl time.Duration) (Lease, error)

	// ReleaseLease ends the lease held with token at once, so the next owner
	// need not wait for its expiry. Releasing a lease already lost is not an
	// error.
	ReleaseLease(ctx context.Context, name string, token int64) error

	// SetCheckpointFenced stores pos under checkpoint (as SetCheckpoint)
	// only if token is still the current token of the lease named lease, in
	// one statement: it fails with ErrLeaseLost, writing nothing, otherwise.
	// A lease that expired but was not taken by another owner keeps its token.
	SetCheckpointFenced(ctx context.Context, checkpoint string, pos eventstore.Position, lease string, token int64) error
}

// Lease is a held lease.
type Lease struct {
	Name, Owner string
	// Token grows with every change of owner: the fencing token.
	Token int64
	// Expires is when the lease ends unless renewed (database clock).
	Expires time.Time
}

// ErrLeaseHeld: another owner holds the lease. ErrLeaseLost: the caller's
// token is no longer the lease's; it must stop working on the consumer.
// They are eventstore's sentinels, so CodeOf gives CodeLeaseHeld and
// CodeLeaseLost, in process and on the wire.
var (
	ErrLeaseHeld = eventstore.ErrLeaseHeld
	ErrLeaseLost = eventstore.ErrLeaseLost
)

// LeaseHeldError reports that the lease Name is held by Owner until Expires.
type LeaseHeldError struct {
	Name, Owner string
	Expires     time.Time
}

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("lease %q is held by %q until %s", e.Name, e.Owner, e.Expires.UTC().Format(time.RFC3339Nano))
}

// Is makes errors.Is(err, ErrLeaseHeld) true.
func (e *LeaseHeldError) Is(target error) bool { return target == ErrLeaseHeld }

// ErrorCode is eventstore.CodeLeaseHeld (not retryable as such: the
// caller stands by and tries again when it chooses).
func (e *LeaseHeldError) ErrorCode() eventstore.Code { return eventstore.CodeLeaseHeld }

// LeaseLostError reports that Token is no longer the token of lease Name.
type LeaseLostError struct {
	Name  string
	Token int64
}

func (e *LeaseLostError) Error() string {
	return fmt.Sprintf("lease %q: token %d is no longer current (another owner took the lease)", e.Name, e.Token)
}

// Is makes errors.Is(err, ErrLeaseLost) true.
func (e *LeaseLostError) Is(target error) bool { return target == ErrLeaseLost }

// ErrorCode is eventstore.CodeLeaseLost.
func (e *LeaseLostError) ErrorCode() eventstore.Code { return eventstore.CodeLeaseLost }

// ValidateLease checks the arguments of the Leaser methods: name always,
// owner and ttl when not nil. It returns an *eventstore.InputError.
func ValidateLease(name string, owner *string, ttl *time.Duration) error {
	bad := func(field, msg string) error {
		return &eventstore.InputError{Field: field, Rule: "required", Message: msg}
	}
	text := func(v string) bool {
		return v != "" && len(v) <= 512 && utf8.ValidString(v) && !strings.ContainsRune(v, 0)
	}
	switch {
	case !text(name):
		return bad("name", "lease name must be 1 to 512 bytes of UTF-8 without NUL")
	case owner != nil && !text(*owner):
		return bad("owner", "lease owner must be 1 to 512 bytes of UTF-8 without NUL")
	case ttl != nil && (*ttl < time.Millisecond || *ttl > 24*time.Hour):
		return bad("ttl", "lease TTL must be between 1ms and 24h")
	}
	return nil
}
