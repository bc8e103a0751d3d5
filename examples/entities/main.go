// Command entities runs a bank account as an event-sourced entity on the
// embedded store: commands are decided inside the account stream's actor
// on the state folded from its events, a withdrawal beyond the balance is
// rejected with a typed error, and a snapshot is stored every 3 events and
// on passivation, so a restarted store folds only what follows it.
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

	"github.com/actorstore/actorstore"
)

// Account is the state: the fold of the account's events.
type Account struct {
	Open    bool `json:"open"`
	Balance int  `json:"balance"`
}

// The commands, and the reply every command gets: the new balance.
type (
	Command  interface{ isCommand() }
	OpenAcct struct{}
	Deposit  struct{ Amount int }
	Withdraw struct{ Amount int }
)

func (OpenAcct) isCommand() {}
func (Deposit) isCommand()  {}
func (Withdraw) isCommand() {}

// InsufficientFunds rejects a withdrawal; callers match it with errors.As.
type InsufficientFunds struct{ Balance, Wanted int }

func (e *InsufficientFunds) Error() string {
	return fmt.Sprintf("insufficient funds: balance %d, wanted %d", e.Balance, e.Wanted)
}

type amount struct {
	Amount int `json:"amount"`
}

func event(typ string, n int) actorstore.EventData {
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

func handle(a Account, cmd Command) ([]actorstore.EventData, int, error) {
	switch c := cmd.(type) {
	case OpenAcct:
		if a.Open {
			return nil, a.Balance, nil // opening twice changes nothing
		}
		return []actorstore.EventData{event("AccountOpened", 0)}, 0, nil
	case Deposit:
		if !a.Open || c.Amount <= 0 {
			return nil, 0, errors.New("deposit needs an open account and a positive amount")
		}
		return []actorstore.EventData{event("Deposited", c.Amount)}, a.Balance + c.Amount, nil
	case Withdraw:
		if c.Amount > a.Balance {
			return nil, 0, &InsufficientFunds{Balance: a.Balance, Wanted: c.Amount}
		}
		return []actorstore.EventData{event("Withdrawn", c.Amount)}, a.Balance - c.Amount, nil
	}
	return nil, 0, fmt.Errorf("unknown command %T", cmd)
}

// accounts is the entity kind: streams account-<id>.
var accounts = actorstore.Entity[Account, Command, int]{
	Kind: "account", Fold: fold, Handle: handle,
	Codec:     actorstore.JSONCodec[Account](1),
	Snapshots: actorstore.SnapshotPolicy{Every: 3, OnPassivation: true},
}

func main() {
	dir := flag.String("data", "", "data directory (default: a temporary one)")
	flag.Parse()
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
	st, k, err := open(ctx, dir)
	if err != nil {
		return err
	}
	acct := k.Stream("42")
	for _, cmd := range []Command{OpenAcct{}, Deposit{100}, Withdraw{30}, Deposit{5}} {
		bal, err := k.Execute(ctx, acct, cmd)
		if err != nil {
			return err
		}
		fmt.Printf("%T: balance %d\n", cmd, bal)
	}
	_, err = k.Execute(ctx, acct, Withdraw{500})
	var nsf *InsufficientFunds
	if !errors.As(err, &nsf) || !errors.Is(err, actorstore.ErrRejected) {
		return fmt.Errorf("withdrawing 500: %v, want a rejection", err)
	}
	fmt.Printf("rejected: %v (code %s)\n", nsf, actorstore.CodeOf(err))
	if err := st.Close(ctx); err != nil { // passivation stores a snapshot
		return err
	}

	st, k, err = open(ctx, dir)
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	snap, _, err := st.LoadSnapshot(ctx, acct)
	if err != nil {
		return err
	}
	fmt.Printf("snapshot at version %d: %s\n", snap.Version, snap.State)
	bal, err := k.Execute(ctx, acct, Withdraw{75})
	if err != nil {
		return err
	}
	fmt.Printf("after reopening: withdrew 75, balance %d (snapshots loaded: %d)\n", bal, st.EntityStats().SnapshotsLoaded)
	return nil
}

func open(ctx context.Context, dir string) (*actorstore.Store, *actorstore.Kind[Account, Command, int], error) {
	st, err := actorstore.Open(ctx, actorstore.Config{DataDir: dir})
	if err != nil {
		return nil, nil, err
	}
	k, err := actorstore.Register(st, accounts)
	if err != nil {
		st.Close(ctx)
		return nil, nil, err
	}
	return st, k, nil
}
