package schemas_test

import (
	"errors"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/schemas"
)

func TestValidateAcceptsValidPayload(t *testing.T) {
	r := newOrderRegistry(t)
	res, err := r.Validate(event("order-placed", 1, `{"order":{"id":"o","lines":[{"sku":"x","qty":3}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != 1 || res.Source != schemas.VersionGiven || res.Mode != schemas.ModeStrict || res.Warnings != nil {
		t.Fatalf("result %+v", res)
	}
}

func TestValidationErrorNamesNestedPathsAndEveryProblem(t *testing.T) {
	r := newOrderRegistry(t)
	data := `{"order":{"id":"","lines":[{"sku":"a","qty":1},{"sku":"b","qty":2},{"sku":"c","qty":0},{"qty":"x"}]}}`
	_, err := r.Validate(event("order-placed", 1, data))
	if !errors.Is(err, schemas.ErrValidation) {
		t.Fatalf("want ErrValidation, got %v", err)
	}
	ve := mustValidationError(t, err)
	got := problemSet(ve)
	want := []string{"/order/id|minLength", "/order/lines/2/qty|minimum", "/order/lines/3/sku|required", "/order/lines/3/qty|type"}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing problem %s; got %v", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(got), len(want), ve)
	}
	if ve.Events[0].Type != "order-placed" || ve.Events[0].Version != 1 || ve.Events[0].Index != 0 {
		t.Errorf("event header %+v", ve.Events[0])
	}
}

func TestValidateRejectsMalformedJSON(t *testing.T) {
	r := newOrderRegistry(t)
	for _, data := range []string{`{"order":`, `{} {}`, ``, `nul`} {
		_, err := r.Validate(event("order-placed", 1, data))
		ve := mustValidationError(t, err)
		if p := ve.Events[0].Problems[0]; p.Rule != schemas.RuleSyntax || p.Path != "" {
			t.Errorf("%q: problem %+v", data, p)
		}
	}
}

func TestModes(t *testing.T) {
	r := newOrderRegistry(t)
	bad := `{"order":{"id":"o"}}`
	if _, err := r.Validate(event("order-placed", 1, bad)); err == nil {
		t.Fatal("strict (default for registered types) accepted a bad payload")
	}
	r.SetMode("order-placed", schemas.ModeWarn)
	res, err := r.Validate(event("order-placed", 1, bad))
	if err != nil || len(res.Warnings) != 1 || res.Warnings[0].Path != "/order/lines" || res.Version != 1 {
		t.Fatalf("warn: %+v, %v", res, err)
	}
	r.SetMode("order-placed", schemas.ModeOff)
	if res, err := r.Validate(event("order-placed", 1, `garbage`)); err != nil || res.Warnings != nil || res.Mode != schemas.ModeOff {
		t.Fatalf("off: %+v, %v", res, err)
	}
	r.SetMode("order-placed", schemas.ModeUnset)
	if r.Mode("order-placed") != schemas.ModeStrict {
		t.Fatalf("unset mode of a registered type is %v", r.Mode("order-placed"))
	}
}

func TestUnregisteredTypesFollowTheDefaultMode(t *testing.T) {
	r := newOrderRegistry(t)
	if _, err := r.Validate(event("other", 0, `x`)); err != nil {
		t.Fatalf("default off: %v", err)
	}
	r.SetDefaultMode(schemas.ModeWarn)
	res, err := r.Validate(event("other", 0, `{}`))
	if err != nil || len(res.Warnings) != 1 || res.Warnings[0].Rule != schemas.RuleUnknownType {
		t.Fatalf("default warn: %+v, %v", res, err)
	}
	r.SetDefaultMode(schemas.ModeStrict)
	_, err = r.Validate(event("other", 0, `{}`))
	if ve := mustValidationError(t, err); ve.Events[0].Problems[0].Rule != schemas.RuleUnknownType {
		t.Fatalf("default strict: %v", err)
	}
	r.SetDefaultMode(schemas.ModeOff)
	r.SetMode("other", schemas.ModeStrict)
	if _, err := r.Validate(event("other", 0, `{}`)); !errors.Is(err, schemas.ErrValidation) {
		t.Fatalf("strict mode on an unregistered type accepted it: %v", err)
	}
}

func TestStrictRejectsUnknownVersion(t *testing.T) {
	r := newOrderRegistry(t)
	_, err := r.Validate(event("order-placed", 7, `{}`))
	ve := mustValidationError(t, err)
	if p := ve.Events[0].Problems; len(p) != 1 || p[0].Rule != schemas.RuleUnknownVersion || ve.Events[0].Version != 7 {
		t.Fatalf("problems %+v", ve.Events[0])
	}
}

func TestValidateRejectsWrongContentType(t *testing.T) {
	r := newOrderRegistry(t)
	ev := event("order-placed", 1, `{"order":{"id":"o","lines":[]}}`)
	ev.ContentType = eventstore.ContentTypeProtobuf
	_, err := r.Validate(ev)
	if ve := mustValidationError(t, err); ve.Events[0].Problems[0].Rule != schemas.RuleContentType {
		t.Fatalf("got %v", err)
	}
}

func TestValidateBatchNamesEveryFailingIndex(t *testing.T) {
	r := newOrderRegistry(t)
	good := `{"order":{"id":"o","lines":[]}}`
	evs := []eventstore.EventData{*event("order-placed", 1, good), *event("order-placed", 1, `{}`),
		*event("order-placed", 0, good), *event("order-placed", 1, `{"order":{"id":"o","lines":[{"sku":"s","qty":-1}]}}`)}
	results, err := r.ValidateBatch(evs)
	ve := mustValidationError(t, err)
	if len(ve.Events) != 2 || ve.Events[0].Index != 1 || ve.Events[1].Index != 3 {
		t.Fatalf("failing events %+v", ve.Events)
	}
	if ve.Events[1].Problems[0].Path != "/order/lines/0/qty" {
		t.Fatalf("problem %+v", ve.Events[1].Problems[0])
	}
	if len(results) != 4 || results[2].Version != 1 || results[2].Source != schemas.VersionDetected {
		t.Fatalf("results %+v", results)
	}
	if _, err := r.ValidateBatch(evs[:1]); err != nil {
		t.Fatalf("valid batch: %v", err)
	}
}

func TestValidateNilEventIsAnErrorNotAPanic(t *testing.T) {
	r := newOrderRegistry(t)
	if _, err := r.Validate(nil); !errors.Is(err, schemas.ErrValidation) {
		t.Fatalf("got %v", err)
	}
}
