package schemas

import (
	"fmt"
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// ProtoSchema is the schema of one version of a protobuf event type.
//
// A payload is valid when it unmarshals into Message, carries no field that
// Message does not declare (at any depth), sets every proto2 "required"
// field, and sets every field named in Required.
type ProtoSchema struct {
	// Message is the payload's message type, for example
	// (*mypb.OrderPlaced)(nil).ProtoReflect().Descriptor().
	Message protoreflect.MessageDescriptor
	// Required names top-level fields (proto names) that must be set: for
	// fields without presence, set means not the zero value.
	Required []string
	// Examples are wire-format payloads of this version; at least one is
	// needed (see Registry.RegisterJSON on compatibility).
	Examples [][]byte
}

type protoChecker struct {
	md       protoreflect.MessageDescriptor
	required []protoreflect.FieldDescriptor
}

func newProtoChecker(spec ProtoSchema) (*protoChecker, error) {
	if spec.Message == nil {
		return nil, fmt.Errorf("no message descriptor")
	}
	c := &protoChecker{md: spec.Message}
	for _, name := range spec.Required {
		fd := spec.Message.Fields().ByName(protoreflect.Name(name))
		if fd == nil {
			return nil, fmt.Errorf("required field %q is not a field of %s", name, spec.Message.FullName())
		}
		c.required = append(c.required, fd)
	}
	return c, nil
}

// check unmarshals data and returns every problem.
func (c *protoChecker) check(data []byte) []Problem {
	msg := dynamicpb.NewMessage(c.md)
	opts := proto.UnmarshalOptions{DiscardUnknown: false, AllowPartial: true}
	if err := opts.Unmarshal(data, msg); err != nil {
		return []Problem{{Rule: RuleSyntax, Message: err.Error()}}
	}
	var out []Problem
	for _, fd := range c.required {
		if !msg.Has(fd) {
			out = append(out, Problem{Path: "/" + string(fd.Name()), Rule: "required",
				Message: fmt.Sprintf("field %q is not set", fd.Name())})
		}
	}
	walkProto(msg, "", &out)
	return out
}

// walkProto reports unknown fields and unset proto2 required fields of m
// and of every message nested in it.
func walkProto(m protoreflect.Message, path string, out *[]Problem) {
	if u := m.GetUnknown(); len(u) > 0 {
		*out = append(*out, Problem{Path: path, Rule: RuleUnknownField,
			Message: fmt.Sprintf("%d bytes of fields unknown to %s", len(u), m.Descriptor().FullName())})
	}
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.Cardinality() == protoreflect.Required && !m.Has(fd) {
			*out = append(*out, Problem{Path: path + "/" + string(fd.Name()), Rule: "required",
				Message: fmt.Sprintf("required field %q is not set", fd.Name())})
		}
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := path + "/" + string(fd.Name())
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for j := 0; j < l.Len(); j++ {
				walkProto(l.Get(j).Message(), p+"/"+strconv.Itoa(j), out)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				walkProto(mv.Message(), p+"/"+escapeToken(k.String()), out)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			walkProto(v.Message(), p, out)
		}
		return true
	})
}
