package streams

import (
	"context"
	"errors"
	"slices"

	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// Transact appends to several streams atomically: every request commits or
// none does. It reserves the stream actors one by one in sorted stream
// order (so two transactions over the same streams cannot deadlock), each
// checking its expectation in memory once its own earlier appends are
// committed, then sends all requests to the writer as one group of one
// batch. The streams are released on commit, failure, timeout or
// cancellation. The whole call is bounded by Config.TxTimeout (or ctx's
// earlier deadline).
//
// On success it returns one result per request, in order. Otherwise it
// returns the error of the request that failed (for example a
// *eventstore.ConcurrencyError naming its stream) and nothing was written;
// after a timeout (*eventstore.TimeoutError with Op "transact" and the
// streams) the outcome is unknown: retry with the same event IDs.
func (n *Runtime) Transact(ctx context.Context, reqs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	if err := n.validateTx(reqs); err != nil {
		return nil, forCaller(err, "")
	}
	if err := n.enter(); err != nil {
		return nil, err
	}
	defer n.mu.RUnlock()
	ctx, cancel := context.WithTimeout(ctx, n.sh.cfg.TxTimeout)
	defer cancel()
	tx := n.txSeq.Add(1)
	order := sortedByStream(reqs)
	pids, grants, err := n.reserve(ctx, tx, reqs, order)
	if err != nil {
		n.release(tx, reqs, order)
		return nil, forCaller(actors.OnTransaction(err, txStreams(reqs)), reqs[order[len(pids)]].Stream)
	}
	res, err := n.commitTx(ctx, tx, reqs, order, pids, grants)
	if err != nil {
		return nil, actors.OnTransaction(err, txStreams(reqs))
	}
	return res, nil
}

// txStreams names the streams of a transaction, in request order.
func txStreams(reqs []eventstore.AppendRequest) []string {
	out := make([]string, len(reqs))
	for i := range reqs {
		out[i] = reqs[i].Stream
	}
	return out
}

func (n *Runtime) validateTx(reqs []eventstore.AppendRequest) error {
	if err := n.sh.cfg.Limits.ValidateAppend(reqs); err != nil {
		return err
	}
	for i := range reqs {
		if reqs[i].Group != 0 {
			return &eventstore.InputError{Field: "requests.group", Rule: "zero",
				Stream: reqs[i].Stream, Message: "Transact assigns the group itself"}
		}
	}
	return nil
}

// reserve holds the streams in order; it returns the stream actors' PIDs
// and their grants (in order) of those reserved, and an error at the first
// that failed.
func (n *Runtime) reserve(ctx context.Context, tx uint64, reqs []eventstore.AppendRequest,
	order []int) ([]*actors.PID, []*reserveReply, error) {
	pids := make([]*actors.PID, 0, len(order))
	grants := make([]*reserveReply, 0, len(order))
	for _, i := range order {
		// Sent to the registry as it is: the registry forwards it in its own
		// envelope to the stream's actor (no routed wrapper, no new envelope).
		reply, err := actors.Request(ctx, n.sh.sys, n.registry, &reserveCmd{tx: tx, req: reqs[i]})
		if err != nil {
			return pids, grants, err
		}
		r, ok := reply.(*reserveReply)
		if !ok {
			return pids, grants, unexpected(reqs[i].Stream, reply)
		}
		if r.err != nil {
			return pids, grants, r.err
		}
		pids = append(pids, r.pid)
		grants = append(grants, r)
	}
	return pids, grants, nil
}

// exactFromGrants sets each request's expectation to the exact version its
// stream granted it at (ADR 0028), when that differs from the caller's
// own, and returns the callers' own expectations (nil when none changed).
// The grant checked the caller's expectation at that version, so a commit
// under Exact(at) meets it; the store then takes the one-statement append,
// which needs exact expectations. When the stream is not at that version
// at commit (a piped predecessor failed, another writer wrote), the store
// refuses the request with a conflict and the writer commits the
// transaction again with the callers' expectations.
func exactFromGrants(grouped []eventstore.AppendRequest, grants []*reserveReply) []*eventstore.ExpectedVersion {
	var orig []*eventstore.ExpectedVersion
	for k := range grouped {
		g := grants[k]
		exact := eventstore.Exact(g.at)
		if !g.exact || grouped[k].Expected == exact {
			continue
		}
		if orig == nil {
			orig = make([]*eventstore.ExpectedVersion, len(grouped))
		}
		own := grouped[k].Expected
		orig[k] = &own
		grouped[k].Expected = exact
	}
	return orig
}

// release frees every stream of the transaction (held or still waiting).
// Each release follows its reserve through the registry, so it cannot
// overtake it.
func (n *Runtime) release(tx uint64, reqs []eventstore.AppendRequest, order []int) {
	for _, i := range order {
		n.sh.sys.Send(n.registry, &routed{stream: reqs[i].Stream, msg: &releaseCmd{tx: tx}})
	}
}

// commitTx sends the reserved transaction to the writer as one group. The
// writer releases the streams with the outcome, whatever happens here.
func (n *Runtime) commitTx(ctx context.Context, tx uint64, reqs []eventstore.AppendRequest, order []int,
	pids []*actors.PID, grants []*reserveReply) ([]eventstore.AppendResult, error) {
	grouped := make([]eventstore.AppendRequest, len(order))
	for k, i := range order {
		grouped[k] = reqs[i]
		grouped[k].Group = tx
	}
	orig := exactFromGrants(grouped, grants)
	reply, err := actors.Request(ctx, n.sh.sys, n.writer, &txFlush{tx: tx, reqs: grouped, pids: pids,
		span: oteltrace.SpanContextFromContext(ctx), orig: orig})
	if err != nil {
		return nil, forCaller(err, grouped[0].Stream)
	}
	r, ok := reply.(*txResult)
	if !ok {
		return nil, unexpected(grouped[0].Stream, reply)
	}
	if r.err != nil {
		return nil, forCaller(r.err, grouped[0].Stream)
	}
	results := make([]eventstore.AppendResult, len(reqs))
	for k, i := range order {
		results[i] = r.results[k]
	}
	if err := firstTxError(results); err != nil {
		return nil, forCaller(err, "")
	}
	return results, nil
}

// firstTxError returns the error of the request that made the transaction
// fail, preferring it over the *AbortedError of the others.
func firstTxError(results []eventstore.AppendResult) error {
	var aborted error
	for i := range results {
		err := results[i].Err
		if err == nil {
			continue
		}
		if !errors.Is(err, eventstore.ErrAborted) {
			return err
		}
		if aborted == nil {
			aborted = err
		}
	}
	return aborted
}

func sortedByStream(reqs []eventstore.AppendRequest) []int {
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case reqs[a].Stream < reqs[b].Stream:
			return -1
		case reqs[a].Stream > reqs[b].Stream:
			return 1
		}
		return 0
	})
	return order
}
