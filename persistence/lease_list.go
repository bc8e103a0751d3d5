package persistence

import "context"

// LeaseLister lists the leases that run now under a name prefix. The
// participants of a shared set of leases (internal/leasing: the partitions
// of a projection, the slots of a consumer group) announce themselves with
// a lease each and count each other through it. Both backends implement it;
// storetest "Lease" checks it.
type LeaseLister interface {
	// ListLeases returns the leases whose name starts with prefix and that
	// have not expired or been released (by the database's clock), ordered
	// by name.
	ListLeases(ctx context.Context, prefix string) ([]Lease, error)
}
