package schemas

import (
	"encoding/json"
	"fmt"
	"io/fs"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// protoSpecFile is the content of v<N>.proto.json.
type protoSpecFile struct {
	// Message is the full name of the payload's message type.
	Message  string   `json:"message"`
	Required []string `json:"required"`
	// Examples are payloads in the protobuf JSON mapping (protojson).
	Examples []json.RawMessage `json:"examples"`
}

// readProtoSpec reads a version's descriptor set and spec file.
func readProtoSpec(fsys fs.FS, vf *versionFiles) (ProtoSchema, error) {
	var spec protoSpecFile
	data, err := fs.ReadFile(fsys, vf.protoSpec)
	if err == nil {
		err = json.Unmarshal(data, &spec)
	}
	if err != nil {
		return ProtoSchema{}, fmt.Errorf("%s: %v", vf.protoSpec, err)
	}
	md, err := readMessageDescriptor(fsys, vf.binpb, spec.Message)
	if err != nil {
		return ProtoSchema{}, err
	}
	out := ProtoSchema{Message: md, Required: spec.Required}
	for i, raw := range spec.Examples {
		m := dynamicpb.NewMessage(md)
		if err := protojson.Unmarshal(raw, m); err != nil {
			return ProtoSchema{}, fmt.Errorf("%s: example %d: %v", vf.protoSpec, i, err)
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			return ProtoSchema{}, fmt.Errorf("%s: example %d: %v", vf.protoSpec, i, err)
		}
		out.Examples = append(out.Examples, b)
	}
	return out, nil
}

func readMessageDescriptor(fsys fs.FS, file, name string) (protoreflect.MessageDescriptor, error) {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("%s: not a FileDescriptorSet: %v", file, err)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	d, err := files.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		return nil, fmt.Errorf("%s: message %q: %v", file, name, err)
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	if !ok {
		return nil, fmt.Errorf("%s: %q is not a message", file, name)
	}
	return md, nil
}
