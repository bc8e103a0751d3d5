package schemas_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/schemas"
)

// TestConcurrentUseDuringRegistration runs Validate, ValidateBatch and
// Upcast while types and modes are registered (run it with -race). Every
// reader sees order-placed v1 whole, whatever is being registered.
func TestConcurrentUseDuringRegistration(t *testing.T) {
	r := customerRegistry(t)
	good := event("customer", 1, `{"name":"Ada"}`)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if _, err := r.Validate(good); err != nil {
					errs <- err
					return
				}
				if _, err := r.ValidateBatch([]eventstore.EventData{*good, *event(fmt.Sprintf("t%d-%d", g, i), 0, `{}`)}); err != nil {
					errs <- err
					return
				}
				out, err := r.Upcast(eventstore.RecordedEvent{EventData: *good}, 4)
				if err != nil || out.SchemaVersion != 4 {
					errs <- fmt.Errorf("upcast: %v", err)
					return
				}
			}
		}()
	}
	for i := range 50 {
		typ := fmt.Sprintf("t0-%d", i)
		if err := r.RegisterJSON(typ, 1, []byte(`{"type":"object","examples":[{}]}`)); err != nil {
			t.Error(err)
		}
		r.SetMode(typ, schemas.ModeWarn)
		r.SetDefaultMode(schemas.ModeWarn)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(r.Types()) != 51 {
		t.Fatalf("types %d", len(r.Types()))
	}
}
