// Command entities runs a bank account as an event-sourced entity on the
// embedded store: commands are decided inside the account stream's actor
// on the state folded from its events, a withdrawal beyond the balance is
// rejected with a typed error, and a snapshot is stored every 3 events and
// on passivation, so a restarted store folds only what follows it. Then it
// serves the store as a node and a peer process (this program again, with
// -peer) sends commands to the same account over the protocol.
//
//	go run ./examples/entities -data /tmp/accounts
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/examples/entities/accountpb"
	"github.com/actorstore/actorstore/node"
)

// Account is the state: the fold of the account's events.
type Account struct {
	Open    bool  `json:"open"`
	Balance int64 `json:"balance"`
}

// The commands are the protobuf messages of accountpb (OpenAccount,
// Deposit, Withdraw), so that peers in other processes can send them too;
// every command replies the new balance.

// InsufficientFunds rejects a withdrawal; callers match it with errors.As.
type InsufficientFunds struct{ Balance, Wanted int64 }

func (e *InsufficientFunds) Error() string {
	return fmt.Sprintf("insufficient funds: balance %d, wanted %d", e.Balance, e.Wanted)
}

type amount struct {
	Amount int64 `json:"amount"`
}

func event(typ string, n int64) actorstore.EventData {
	data, _ := json.Marshal(amount{n})
	return actorstore.EventData{Type: typ, Data: data} // the entity gives it an ID
}

func fold(a Account, e actorstore.RecordedEvent) Account {
	var p amount
	_ = json.Unmarshal(e.Data, &p)
	switch e.Type {
	case "AccountOpened":
		a.Open = true
	case "Deposited":
		a.Balance += p.Amount
	case "Withdrawn":
		a.Balance -= p.Amount
	}
	return a
}

func handle(a Account, cmd proto.Message) ([]actorstore.EventData, *accountpb.Balance, error) {
	switch c := cmd.(type) {
	case *accountpb.OpenAccount:
		if a.Open {
			return nil, balance(a.Balance), nil // opening twice changes nothing
		}
		return []actorstore.EventData{event("AccountOpened", 0)}, balance(0), nil
	case *accountpb.Deposit:
		if !a.Open || c.GetAmount() <= 0 {
			return nil, nil, errors.New("deposit needs an open account and a positive amount")
		}
		return []actorstore.EventData{event("Deposited", c.GetAmount())}, balance(a.Balance + c.GetAmount()), nil
	case *accountpb.Withdraw:
		if c.GetAmount() > a.Balance {
			return nil, nil, &InsufficientFunds{Balance: a.Balance, Wanted: c.GetAmount()}
		}
		return []actorstore.EventData{event("Withdrawn", c.GetAmount())}, balance(a.Balance - c.GetAmount()), nil
	}
	return nil, nil, fmt.Errorf("unknown command %T", cmd)
}

func balance(n int64) *accountpb.Balance { return &accountpb.Balance{Balance: n} }

// accounts is the entity kind: streams account-<id>. Remote lets peers
// send it the accountpb commands.
var accounts = actorstore.Entity[Account, proto.Message, *accountpb.Balance]{
	Kind: "account", Fold: fold, Handle: handle,
	Codec:     actorstore.JSONCodec[Account](1),
	Snapshots: actorstore.SnapshotPolicy{Every: 3, OnPassivation: true},
	Remote:    actorstore.ProtoCommands[proto.Message, *accountpb.Balance](),
}

func main() {
	dir := flag.String("data", "", "data directory (default: a temporary one)")
	peer := flag.String("peer", "", "run as the peer: send commands to the node at this address")
	flag.Parse()
	if *peer != "" {
		if err := runPeer(context.Background(), *peer); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "entities")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	if err := run(context.Background(), *dir); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, dir string) error {
	st, err := actorstore.Open(ctx, actorstore.Config{DataDir: dir})
	if err != nil {
		return err
	}
	k, err := actorstore.Register(st, accounts)
	if err != nil {
		return err
	}
	acct := k.Stream("42")
	for _, cmd := range []proto.Message{&accountpb.OpenAccount{}, &accountpb.Deposit{Amount: 100},
		&accountpb.Withdraw{Amount: 30}, &accountpb.Deposit{Amount: 5}} {
		bal, err := k.Execute(ctx, acct, cmd)
		if err != nil {
			return err
		}
		fmt.Printf("%s: balance %d\n", cmd.ProtoReflect().Descriptor().Name(), bal.GetBalance())
	}
	_, err = k.Execute(ctx, acct, &accountpb.Withdraw{Amount: 500})
	var nsf *InsufficientFunds
	if !errors.As(err, &nsf) || !errors.Is(err, actorstore.ErrRejected) {
		return fmt.Errorf("withdrawing 500: %v, want a rejection", err)
	}
	fmt.Printf("rejected: %v (code %s)\n", nsf, actorstore.CodeOf(err))
	if err := st.Close(ctx); err != nil { // passivation stores a snapshot
		return err
	}

	// OpenEngine is Open that also returns the store's engine, for a node
	// to serve.
	st, eng, err := actorstore.OpenEngine(ctx, actorstore.Config{DataDir: dir})
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	if k, err = actorstore.Register(st, accounts); err != nil {
		return err
	}
	snap, _, err := st.LoadSnapshot(ctx, acct)
	if err != nil {
		return err
	}
	fmt.Printf("snapshot at version %d: %s\n", snap.Version, snap.State)
	bal, err := k.Execute(ctx, acct, &accountpb.Withdraw{Amount: 75})
	if err != nil {
		return err
	}
	fmt.Printf("after reopening: withdrew 75, balance %d (snapshots loaded: %d)\n", bal.GetBalance(),
		st.EntityStats().SnapshotsLoaded)
	// A program that embeds a node serves its kinds to peers: this node
	// serves the store, and this program, run again as a peer, sends
	// commands to the account.
	n, err := node.Start(st, node.Config{Address: "127.0.0.1:0", StoreKind: "embedded", Engine: eng})
	if err != nil {
		return err
	}
	defer n.Close(ctx)
	peer := exec.CommandContext(ctx, os.Args[0], "-peer", n.Address())
	peer.Stdout, peer.Stderr = os.Stdout, os.Stderr
	if err := peer.Run(); err != nil {
		return fmt.Errorf("peer: %w", err)
	}
	after, _, err := k.State(ctx, acct)
	if err != nil {
		return err
	}
	fmt.Printf("after the peer: balance %d\n", after.Balance)
	return nil
}

// runPeer is the peer process: it sends commands over the protocol.
func runPeer(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{NodeAddress: addr})
	if err != nil {
		return err
	}
	defer c.Close()
	reply, res, err := c.Execute(ctx, "account-42", &accountpb.Deposit{Amount: 50})
	if err != nil {
		return err
	}
	var bal accountpb.Balance
	if err := reply.UnmarshalTo(&bal); err != nil {
		return err
	}
	fmt.Printf("peer: deposited 50, balance %d (event at version %d)\n", bal.GetBalance(), res.LastVersion)
	_, _, err = c.Execute(ctx, "account-42", &accountpb.Withdraw{Amount: 1000})
	var re *eventstore.RejectedError
	if !errors.As(err, &re) {
		return fmt.Errorf("withdrawing 1000: %v, want a rejection", err)
	}
	fmt.Printf("peer: rejected: %v\n", re.Reason)
	return nil
}
