package subscriptions

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/persistence"
)

// One owner per durable consumer (docs/adr/0011-consumer-leases.md): a
// durable subscription, and so a consumer group (whose members share the
// group's one durable subscription), runs in exactly one process among
// all on the database. Its subscription actor stands by until it holds the
// lease named after its checkpoint, reads from the committed checkpoint
// only then, renews the lease every LeaseTTL/3, writes its checkpoint only
// with the lease's fencing token, and stops delivering (drops with a
// *persistence.LeaseLostError) before its lease can have expired when it
// cannot renew. A standby retries every LeaseTTL/3, so a dead owner is
// replaced within LeaseTTL + LeaseTTL/3.

// Messages of a durable subscription's lease to its actor.
type (
	leaseTry    struct{} // time to try to acquire (standby)
	leaseTick   struct{} // time to renew
	leaseResult struct {
		lease persistence.Lease
		err   error
		sent  time.Time // local clock, before the request was sent
		renew bool
	}
)

// lease is the lease state of a durable subscription actor.
type lease struct {
	leaser   persistence.Leaser
	name     string
	owner    string
	held     bool
	token    int64
	deadline time.Time // local clock: stop delivering after this unless renewed
	timer    *time.Timer
}

// processOwner names this process incarnation in lease owners: the host,
// the PID and a random part, so a restarted process is a new owner.
func processOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), uuid.NewString()[:8])
}

// newLease returns the lease state of a durable subscription, or nil when
// the store keeps no leases.
func newLease(sh *shared, sp spec) *lease {
	l, ok := sh.store.(persistence.Leaser)
	if !ok || sp.durable == "" {
		return nil
	}
	return &lease{leaser: l, name: checkpointName(sp.durable), owner: sh.owner + "/" + sp.id}
}

// margin is how long before the lease's expiry (by the local clock,
// measured from before the last successful renew was sent) the owner stops.
func (sh *shared) leaseMargin() time.Duration { return sh.cfg.LeaseTTL / 4 }

// acquire asks for the lease on a goroutine; the answer comes back as a leaseResult.
func (a *subActor) acquire(c actors.Context) {
	l, sh, self, ctx := a.lease, a.sh, c.Self(), a.ctx
	ttl := sh.cfg.LeaseTTL
	sh.goIO(func() {
		sent := time.Now()
		cctx, cancel := context.WithTimeout(ctx, ttl/3)
		got, err := l.leaser.AcquireLease(cctx, l.name, l.owner, ttl)
		cancel()
		if err == nil && ctx.Err() != nil { // stopped meanwhile: give it back
			rctx, cancel := context.WithTimeout(context.Background(), sh.cfg.StopTimeout)
			_ = l.leaser.ReleaseLease(rctx, l.name, got.Token)
			cancel()
			return
		}
		sh.sys.Send(self, &leaseResult{lease: got, err: err, sent: sent})
	})
}

// renew renews the held lease on a goroutine.
func (a *subActor) renew(c actors.Context) {
	l, sh, self, ctx := a.lease, a.sh, c.Self(), a.ctx
	ttl, token := sh.cfg.LeaseTTL, l.token
	sh.goIO(func() {
		sent := time.Now()
		cctx, cancel := context.WithTimeout(ctx, ttl/3)
		got, err := l.leaser.RenewLease(cctx, l.name, token, ttl)
		cancel()
		sh.sys.Send(self, &leaseResult{lease: got, err: err, sent: sent, renew: true})
	})
}

func (a *subActor) onLease(c actors.Context, msg any) {
	l, ttl := a.lease, a.sh.cfg.LeaseTTL
	if l == nil || a.ctx.Err() != nil {
		return
	}
	switch m := msg.(type) {
	case leaseTry:
		a.acquire(c)
	case leaseTick:
		if time.Now().After(l.deadline) {
			a.drop(c, &persistence.LeaseLostError{Name: l.name, Token: l.token})
			return
		}
		a.renew(c)
	case *leaseResult:
		switch {
		case m.err == nil:
			first := !l.held
			l.held, l.token = true, m.lease.Token
			l.deadline = m.sent.Add(ttl - a.sh.leaseMargin())
			l.timer = a.sh.timeAfter(ttl/3, c.Self(), leaseTick{})
			if first {
				a.sh.cfg.Logger.Info().Str("subscription", a.sp.durable).Str("owner", l.owner).
					Int64("token", l.token).Msg("lease acquired: delivering")
				a.startRead(c, readJob{resolve: true})
			}
		case !m.renew: // held by another owner, or the store failed: stand by
			l.timer = a.sh.timeAfter(ttl/3, c.Self(), leaseTry{})
		case errors.Is(m.err, persistence.ErrLeaseLost):
			a.drop(c, m.err)
		case time.Now().After(l.deadline):
			a.drop(c, &persistence.LeaseLostError{Name: l.name, Token: l.token})
		default: // transient: try again soon, before the deadline
			l.timer = a.sh.timeAfter(ttl/12, c.Self(), leaseTick{})
		}
	}
}

// release gives the lease back after the last checkpoint write (stop).
func (l *lease) release(ctx context.Context) {
	if l == nil || !l.held {
		return
	}
	_ = l.leaser.ReleaseLease(ctx, l.name, l.token)
}

// stopTimer stops a pending lease timer.
func (l *lease) stopTimer() {
	if l != nil && l.timer != nil {
		l.timer.Stop()
	}
}
