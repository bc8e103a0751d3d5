package schemas_test

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/schemas"
)

// orderDescriptor builds message test.Order { string id = 1; repeated Line
// lines = 2; } with Line { string sku = 1; int32 qty = 2; }.
func orderDescriptor(t testing.TB) protoreflect.MessageDescriptor {
	t.Helper()
	field := func(name string, n int32, typ descriptorpb.FieldDescriptorProto_Type, label descriptorpb.FieldDescriptorProto_Label, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(n), Type: typ.Enum(), Label: label.Enum(), JsonName: proto.String(name)}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
	fdp := &descriptorpb.FileDescriptorProto{
		Name: proto.String("test/order.proto"), Package: proto.String("test"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Order"), Field: []*descriptorpb.FieldDescriptorProto{
				field("id", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, opt, ""),
				field("lines", 2, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, descriptorpb.FieldDescriptorProto_LABEL_REPEATED, ".test.Line"),
			}},
			{Name: proto.String("Line"), Field: []*descriptorpb.FieldDescriptorProto{
				field("sku", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, opt, ""),
				field("qty", 2, descriptorpb.FieldDescriptorProto_TYPE_INT32, opt, ""),
			}},
		},
	}
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().ByName("Order")
}

// orderBytes encodes an Order with the given line quantities.
func orderBytes(t testing.TB, md protoreflect.MessageDescriptor, id string, qtys ...int32) []byte {
	t.Helper()
	m := dynamicpb.NewMessage(md)
	if id != "" {
		m.Set(md.Fields().ByName("id"), protoreflect.ValueOfString(id))
	}
	lines := m.Mutable(md.Fields().ByName("lines")).List()
	for _, q := range qtys {
		l := lines.NewElement()
		l.Message().Set(l.Message().Descriptor().Fields().ByName("qty"), protoreflect.ValueOfInt32(q))
		lines.Append(l)
	}
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func protoEvent(data []byte) *eventstore.EventData {
	ev := event("order-pb", 1, "")
	ev.Data, ev.ContentType = data, eventstore.ContentTypeProtobuf
	return ev
}

func TestProtoValidation(t *testing.T) {
	md := orderDescriptor(t)
	r := schemas.NewRegistry()
	err := r.RegisterProto("order-pb", 1, schemas.ProtoSchema{Message: md, Required: []string{"id"},
		Examples: [][]byte{orderBytes(t, md, "o-1", 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Validate(protoEvent(orderBytes(t, md, "o-2", 1, 2))); err != nil {
		t.Fatalf("valid payload: %v", err)
	}
	_, err = r.Validate(protoEvent(orderBytes(t, md, "", 1)))
	if ve := mustValidationError(t, err); !problemSet(ve)["/id|required"] {
		t.Fatalf("missing id: %v", ve)
	}
	// An unknown field (number 99) nested in lines[1].
	m := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(orderBytes(t, md, "o", 1, 2), m); err != nil {
		t.Fatal(err)
	}
	line := m.Get(md.Fields().ByName("lines")).List().Get(1).Message()
	line.SetUnknown(protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 7))
	data, _ := proto.Marshal(m)
	_, err = r.Validate(protoEvent(data))
	if ve := mustValidationError(t, err); !problemSet(ve)["/lines/1|"+schemas.RuleUnknownField] {
		t.Fatalf("unknown field: %v", ve)
	}
	_, err = r.Validate(protoEvent([]byte{0xff, 0xff}))
	if ve := mustValidationError(t, err); ve.Events[0].Problems[0].Rule != schemas.RuleSyntax {
		t.Fatalf("garbage: %v", ve)
	}
	jsonEv := protoEvent([]byte(`{}`))
	jsonEv.ContentType = ""
	if _, err := r.Validate(jsonEv); !errors.Is(err, schemas.ErrValidation) {
		t.Fatalf("JSON payload for a protobuf type: %v", err)
	}
}

func TestProtoRegistrationRejectsUnknownRequiredField(t *testing.T) {
	r := schemas.NewRegistry()
	md := orderDescriptor(t)
	err := r.RegisterProto("order-pb", 1, schemas.ProtoSchema{Message: md, Required: []string{"nope"}, Examples: [][]byte{orderBytes(t, md, "o")}})
	if !errors.Is(err, schemas.ErrRegistration) {
		t.Fatalf("got %v", err)
	}
}

func TestProtoVersionDetectionAndUpcast(t *testing.T) {
	md := orderDescriptor(t)
	r := schemas.NewRegistry()
	if err := r.RegisterProto("order-pb", 1, schemas.ProtoSchema{Message: md, Examples: [][]byte{orderBytes(t, md, "")}}); err != nil {
		t.Fatal(err)
	}
	// v2 requires an id: the upcaster fills it in.
	up := func(data []byte) ([]byte, error) {
		m := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(data, m); err != nil {
			return nil, err
		}
		if !m.Has(md.Fields().ByName("id")) {
			m.Set(md.Fields().ByName("id"), protoreflect.ValueOfString("legacy"))
		}
		return proto.Marshal(m)
	}
	if err := r.RegisterUpcaster("order-pb", 1, up); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterProto("order-pb", 2, schemas.ProtoSchema{Message: md, Required: []string{"id"}, Examples: [][]byte{orderBytes(t, md, "x")}}); err != nil {
		t.Fatal(err)
	}
	ev := protoEvent(orderBytes(t, md, "", 3))
	ev.SchemaVersion = 0
	res, err := r.Validate(ev)
	if err != nil || res.Version != 1 || res.Source != schemas.VersionDetected {
		t.Fatalf("detect: %+v %v", res, err)
	}
	ev.SchemaVersion = 1
	out, err := r.Upcast(eventstore.RecordedEvent{EventData: *ev}, 0)
	if err != nil || out.SchemaVersion != 2 {
		t.Fatal(err)
	}
	if _, err := r.Validate(&out.EventData); err != nil {
		t.Fatalf("upcast payload fails v2: %v", err)
	}
}
