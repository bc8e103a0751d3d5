package actorstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/actorstore/actorstore/eventstore"
)

// TestRunProjectionMetricsAndClose: a projection run through the root API
// counts its events, batches, errors and parked events in the store's
// metrics, reports them in ProjectionStatus, and stops with Store.Close.
func TestRunProjectionMetricsAndClose(t *testing.T) {
	ctx := context.Background()
	s, eng, err := OpenEngine(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"ok", "ok", "bad", "ok"} {
		if _, err := s.Append(ctx, "order-1", eventstore.Any(), EventData{ID: uuid.New(), Type: typ, Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.RunProjection(ctx, Projection{Name: "orders", OnFailure: ProjectionSkipAndPark,
		Retry: RetryPolicy{MaxAttempts: 2, Base: time.Millisecond}.policy(), PollInterval: 10 * time.Millisecond,
		Handle: func(ctx context.Context, tx ProjectionTx, evs []RecordedEvent) error {
			for _, e := range evs {
				if e.Type == "bad" {
					return errors.New("bad event")
				}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		st, err := s.ProjectionStatus(ctx, "orders")
		if err != nil {
			t.Fatal(err)
		}
		if st[0].Position == 4 && st[0].Parked == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %+v", st)
		}
	}
	if v, err := s.LiveProjectionVersion(ctx, "orders"); err != nil || v != 1 {
		t.Fatalf("live version %d %v", v, err)
	}
	sm, err := eng.Metrics.Produce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, scope := range sm {
		for _, m := range scope.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, dp := range sum.DataPoints {
					got[m.Name] += dp.Value
				}
			}
		}
	}
	if got["actorstore.projection.events"] != 3 || got["actorstore.projection.parked"] != 1 ||
		got["actorstore.projection.errors"] < 2 {
		t.Fatalf("projection metrics %v", got)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.Done():
	default:
		t.Fatal("Store.Close did not stop the projection")
	}
}

// TestProjectionOnAnEncryptedStore: with crypto-shredding on, a projection
// runs (its transactions on the backend the encrypting store wraps) and its
// handler gets the events decrypted, as every other reader does.
func TestProjectionOnAnEncryptedStore(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: t.TempDir(), Encryption: EncryptionConfig{MasterKey: make([]byte, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if _, err := s.Append(ctx, "customer-1", eventstore.Any(), EventData{ID: uuid.New(), Type: "Registered",
		Data: []byte(`{"name":"Ada"}`), Metadata: map[string]string{MetaSubject: "ada"}}); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	_, err = s.RunProjection(ctx, Projection{Name: "names", PollInterval: 10 * time.Millisecond,
		Handle: func(ctx context.Context, tx ProjectionTx, evs []RecordedEvent) error {
			for _, e := range evs {
				select {
				case got <- string(e.Data):
				default:
				}
			}
			return nil
		}})
	if err != nil {
		t.Fatalf("a projection on an encrypted store: %v", err)
	}
	select {
	case data := <-got:
		if data != `{"name":"Ada"}` {
			t.Fatalf("the handler got %q, want the decrypted data", data)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the projection handled nothing")
	}
}
