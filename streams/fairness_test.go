package streams

import (
	"testing"
	"time"

	"github.com/actorstore/actorstore/actors/actortest"
	"github.com/actorstore/actorstore/eventstore"
)

// TestAppendsAreNotStarvedByTransactions: an append that arrives while a
// transaction holds the stream, before a second transaction asks for it,
// is committed when the first transaction ends, before the second gets
// the stream. (It waited while any transaction was waiting, so a steady
// flow of transactions starved appends: the cause of the load flake of
// TestTransactOppositeOrdersDoNotDeadlock, whose appends timed out.)
func TestAppendsAreNotStarvedByTransactions(t *testing.T) {
	n := newNode(t, newStore(t), nil)
	ctx := ctxT(t)
	txA := []eventstore.AppendRequest{{Stream: "x", Expected: eventstore.Any(), Events: events(1)}}
	if _, _, err := n.reserve(ctx, 9001, txA, []int{0}); err != nil {
		t.Fatal(err)
	}
	// In this order through the registry: the append, then transaction B.
	probe := actortest.NewProbe(t, n.sh.sys)
	n.sh.sys.SendFrom(n.registry, &routed{stream: "x", msg: &appendCmd{stream: "x", expected: eventstore.Any(),
		events: events(1)}}, probe.PID())
	txB := []eventstore.AppendRequest{{Stream: "x", Expected: eventstore.Any(), Events: events(1)}}
	probeB := actortest.NewProbe(t, n.sh.sys)
	n.sh.sys.SendFrom(n.registry, &routed{stream: "x", msg: &reserveCmd{tx: 9002, req: txB[0]}}, probeB.PID())
	defer n.release(9002, txB, []int{0})
	n.release(9001, txA, []int{0}) // then A ends without writing
	reply := actortest.ExpectMsgType[*appendReply](t, probe, 10*time.Second)
	if reply.err != nil || reply.res.LastVersion != 1 {
		t.Fatalf("held append: %+v %v", reply.res, reply.err)
	}
	if r := actortest.ExpectMsgType[*reserveReply](t, probeB, 10*time.Second); r.err != nil {
		t.Fatalf("transaction B after the append: %v", r.err)
	}
}
