package schemas_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"pgregory.net/rapid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/schemas"
	"github.com/actorstore/actorstore/wire"
)

func TestValidationErrorToProto(t *testing.T) {
	r := newOrderRegistry(t)
	evs := []eventstore.EventData{*event("order-placed", 1, `{"order":{"id":"o","lines":[]}}`),
		*event("order-placed", 1, `{"order":{"id":"o","lines":[{"sku":"a","qty":1},{"sku":"b","qty":1},{"sku":"c","qty":0}]}}`)}
	_, err := r.ValidateBatch(evs)
	ve := mustValidationError(t, err)
	ve.Stream = "order-1"
	m := wire.ErrorToProto(eventstore.AttachTraceID(err, "trace-1"))
	if m.GetCode() != messages.ErrorCode_ERROR_CODE_VALIDATION || m.GetRetryable() || m.GetStream() != "order-1" || m.GetTraceId() != "trace-1" {
		t.Fatalf("wire error %v", m)
	}
	f := m.GetFields()
	if len(f) != 1 || f[0].GetPath() != "events[1]/order/lines/2/qty" || f[0].GetRule() != "minimum" ||
		f[0].GetMessage() != `"order-placed" v1: `+ve.Events[0].Problems[0].Message {
		t.Fatalf("fields %v", f)
	}
	back := wire.ErrorFromProto(m)
	var got *schemas.ValidationError
	if !errors.Is(back, schemas.ErrValidation) || !errors.As(back, &got) || !reflect.DeepEqual(got, ve) ||
		eventstore.TraceIDOf(back) != "trace-1" || eventstore.CodeOf(back) != eventstore.CodeValidation {
		t.Fatalf("round trip:\n got %#v\nwant %#v", back, ve)
	}
}

func TestOtherErrorsKeepTheirCode(t *testing.T) {
	ce := &eventstore.ConcurrencyError{Stream: "s", Actual: 3}
	m := wire.ErrorToProto(ce)
	if m.GetCode() != messages.ErrorCode_ERROR_CODE_CONCURRENCY {
		t.Fatalf("code %v", m.GetCode())
	}
	if !errors.Is(wire.ErrorFromProto(m), eventstore.ErrConcurrency) {
		t.Fatal("concurrency error did not round-trip")
	}
	if wire.ErrorToProto(nil) != nil || wire.ErrorFromProto(nil) != nil {
		t.Fatal("nil did not map to nil")
	}
}

func TestAbortedValidationErrorKeepsCode(t *testing.T) {
	ve := &schemas.ValidationError{Events: []schemas.EventProblems{{Index: 0, Type: "t", Version: 1,
		Problems: []schemas.Problem{{Path: "/a", Rule: "type", Message: "want string"}}}}}
	m := wire.ErrorToProto(eventstore.AttachTraceID(&eventstore.AbortedError{Stream: "other", Cause: ve}, "tr"))
	if m.GetCode() != messages.ErrorCode_ERROR_CODE_VALIDATION || m.GetOperation() != "transaction aborted: other" || m.GetTraceId() != "tr" {
		t.Fatalf("wire error %v", m)
	}
}

func TestForeignValidationFieldsStillDecode(t *testing.T) {
	m := &messages.Error{Code: messages.ErrorCode_ERROR_CODE_VALIDATION, Fields: []*messages.FieldError{{Path: "x", Rule: "r", Message: "m"}}}
	var ve *schemas.ValidationError
	if !errors.As(wire.ErrorFromProto(m), &ve) || ve.Events[0].Problems[0] != (schemas.Problem{Path: "x", Rule: "r", Message: "m"}) {
		t.Fatalf("got %#v", ve)
	}
}

// Property: any ValidationError survives ErrorToProto/ErrorFromProto.
func TestValidationErrorWireRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ve := &schemas.ValidationError{Stream: rapid.String().Draw(t, "stream")}
		indexes := rapid.SliceOfNDistinct(rapid.IntRange(0, 1000), 1, 5, rapid.ID[int]).Draw(t, "indexes")
		slices.Sort(indexes)
		for _, i := range indexes {
			ep := schemas.EventProblems{Index: i, Type: rapid.String().Draw(t, "type"), Version: rapid.Uint32().Draw(t, "version")}
			for range rapid.IntRange(1, 4).Draw(t, "problems") {
				ep.Problems = append(ep.Problems, schemas.Problem{
					Path:    rapid.SampledFrom([]string{"", "/a", "/a/0/b", "/x~1y"}).Draw(t, "path"),
					Rule:    rapid.String().Draw(t, "rule"),
					Message: rapid.String().Draw(t, "message")})
			}
			ve.Events = append(ve.Events, ep)
		}
		raw, err := proto.Marshal(wire.ErrorToProto(ve))
		if err != nil {
			t.Fatal(err)
		}
		var m messages.Error
		if err := proto.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		back := wire.ErrorFromProto(&m)
		if !reflect.DeepEqual(back, ve) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", back, ve)
		}
	})
}
