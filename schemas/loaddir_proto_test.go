package schemas_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/actorstore/actorstore/schemas"
)

// descriptorSet encodes the test.Order file as a FileDescriptorSet, as
// protoc --descriptor_set_out writes it.
func descriptorSet(t *testing.T) []byte {
	t.Helper()
	md := orderDescriptor(t)
	set := &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{protodesc.ToFileDescriptorProto(md.ParentFile())}}
	b, err := proto.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadDirProtobuf(t *testing.T) {
	set := descriptorSet(t)
	fsys := fstest.MapFS{
		"order-pb/v1.binpb":      {Data: set},
		"order-pb/v1.proto.json": {Data: []byte(`{"message":"test.Order","examples":[{"lines":[{"sku":"a","qty":1}]}]}`)},
		"order-pb/v2.binpb":      {Data: set},
		"order-pb/v2.proto.json": {Data: []byte(`{"message":"test.Order","required":["id"],"examples":[{"id":"o-1"}]}`)},
	}
	r := schemas.NewRegistry()
	// v2 requires an id that v1 examples lack: refused without an upcaster.
	if err := r.LoadDir(fsys); !errors.Is(err, schemas.ErrIncompatible) {
		t.Fatalf("without upcaster: %v", err)
	}
	md := orderDescriptor(t)
	if err := r.RegisterUpcaster("order-pb", 1, func([]byte) ([]byte, error) { return orderBytes(t, md, "legacy"), nil }); err != nil {
		t.Fatal(err)
	}
	if err := r.LoadDir(fsys); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Validate(protoEvent(orderBytes(t, md, "", 1))); err != nil {
		t.Fatalf("v1 payload: %v", err)
	}
	ev := protoEvent(orderBytes(t, md, "", 1))
	ev.SchemaVersion = 2
	_, err := r.Validate(ev)
	if ve := mustValidationError(t, err); !problemSet(ve)["/id|required"] {
		t.Fatalf("v2 without id: %v", ve)
	}
}

func TestLoadDirProtobufErrors(t *testing.T) {
	set := descriptorSet(t)
	spec := []byte(`{"message":"test.Order","examples":[{}]}`)
	cases := map[string]fstest.MapFS{
		"binpb alone":     {"p/v1.binpb": {Data: set}},
		"spec alone":      {"p/v1.proto.json": {Data: spec}},
		"both kinds":      {"p/v1.binpb": {Data: set}, "p/v1.proto.json": {Data: spec}, "p/v1.schema.json": {Data: []byte(`{"examples":[{}]}`)}},
		"unknown message": {"p/v1.binpb": {Data: set}, "p/v1.proto.json": {Data: []byte(`{"message":"test.Nope","examples":[{}]}`)}},
		"not a message":   {"p/v1.binpb": {Data: set}, "p/v1.proto.json": {Data: []byte(`{"message":"test.Order.id","examples":[{}]}`)}},
		"bad example":     {"p/v1.binpb": {Data: set}, "p/v1.proto.json": {Data: []byte(`{"message":"test.Order","examples":[{"qty":"x"}]}`)}},
		"bad set":         {"p/v1.binpb": {Data: []byte{0xff}}, "p/v1.proto.json": {Data: spec}},
		"bad spec":        {"p/v1.binpb": {Data: set}, "p/v1.proto.json": {Data: []byte(`{`)}},
		"no examples":     {"p/v1.binpb": {Data: set}, "p/v1.proto.json": {Data: []byte(`{"message":"test.Order"}`)}},
	}
	for name, fsys := range cases {
		if err := schemas.NewRegistry().LoadDir(fsys); !errors.Is(err, schemas.ErrRegistration) {
			t.Errorf("%s: want ErrRegistration, got %v", name, err)
		}
	}
}
