// Package leasing spreads a fixed set of partitions over the processes
// that want to work on them. Every partition still has exactly one owner
// through its own lease (persistence.Leaser, docs/adr/0011): this package
// only says which partitions a participant should try to hold, so that
// partitions are spread evenly instead of going to whichever process
// started first.
//
// Each participant announces itself with a presence lease
// (<group>/members/<owner>), renewed every third of its TTL, and lists the
// others' (persistence.LeaseLister). With the participants sorted, partition
// p belongs to participant p mod n. When a participant joins or leaves, the
// ones that lost a partition release it (their work on it stops), and its
// new owner acquires it once it is free. A participant that died stops
// being counted when its presence lease expires, and its partitions' leases
// expire at about the same time.
package leasing

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/persistence"
)

// Share is one participant's view of a group of partitions. Create it with
// New, run it with Run; Mine is safe for concurrent use.
type Share struct {
	leaser persistence.Leaser
	lister persistence.LeaseLister
	group  string
	owner  string
	ttl    time.Duration
	log    zerolog.Logger

	mu      sync.Mutex
	members []string // sorted owners, self included; nil until the first listing
	changed chan struct{}
}

// New returns the share of owner in the partitions of group; its presence
// lease lasts ttl. Without a lister (a store that cannot list leases)
// every partition is everyone's, and the partition leases alone decide
// (the first to ask gets it).
func New(leaser persistence.Leaser, lister persistence.LeaseLister, group, owner string,
	ttl time.Duration, log zerolog.Logger) *Share {
	return &Share{leaser: leaser, lister: lister, group: group, owner: owner, ttl: ttl,
		log: log, changed: make(chan struct{})}
}

// prefix is where the group's presence leases live.
func (s *Share) prefix() string { return s.group + "/members/" }

// Mine reports whether partition part is this participant's now. Before
// the first listing, and without a lister, every partition is.
func (s *Share) Mine(part int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return mine(s.members, s.owner, part)
}

func mine(members []string, owner string, part int) bool {
	i, found := slices.BinarySearch(members, owner)
	if len(members) == 0 || !found {
		return true
	}
	return part%len(members) == i
}

// Changed returns a channel closed at the next change of the members.
func (s *Share) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// Members returns the participants seen at the last listing, sorted.
func (s *Share) Members() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.members)
}

// Run keeps the presence lease and the view of the members until ctx
// ends, then releases the presence lease. Failures of the store are
// logged and retried at the next round.
func (s *Share) Run(ctx context.Context) {
	if s.lister == nil {
		<-ctx.Done()
		return
	}
	name := s.prefix() + s.owner
	var held persistence.Lease
	tick := time.NewTicker(s.ttl / 3)
	defer tick.Stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, s.ttl/3)
		l, err := s.leaser.AcquireLease(rctx, name, s.owner, s.ttl) // acquiring an own lease renews it
		if err == nil {
			held = l
			var all []persistence.Lease
			if all, err = s.lister.ListLeases(rctx, s.prefix()); err == nil {
				s.update(all)
			}
		}
		cancel()
		if err != nil && ctx.Err() == nil {
			s.log.Warn().Err(err).Str("group", s.group).Msg("leasing: presence round failed; retrying")
		}
		select {
		case <-ctx.Done():
			if held.Token != 0 {
				rctx, cancel := context.WithTimeout(context.Background(), s.ttl/3)
				_ = s.leaser.ReleaseLease(rctx, name, held.Token)
				cancel()
			}
			return
		case <-tick.C:
		}
	}
}

// update installs the members of a listing (self always among them).
func (s *Share) update(all []persistence.Lease) {
	members := []string{s.owner}
	for _, l := range all {
		if o := strings.TrimPrefix(l.Name, s.prefix()); o != s.owner {
			members = append(members, o)
		}
	}
	slices.Sort(members)
	members = slices.Compact(members)
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.Equal(members, s.members) {
		return
	}
	s.log.Info().Str("group", s.group).Strs("members", members).Msg("leasing: members changed")
	s.members = members
	close(s.changed)
	s.changed = make(chan struct{})
}
