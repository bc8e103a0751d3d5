package wire_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/actorstore/actorstore"

// TestOnlyGlueImportsMessages: protobuf messages are built and read by the
// wire package and the glue at the process boundary (the node, the client,
// subscriptions' messages to remote subscribers, the binary, the
// generated gRPC/Connect stubs). The root
// package is listed until its API stops exposing protobuf types.
func TestOnlyGlueImportsMessages(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{module, module + "/wire", module + "/node", module + "/client",
		module + "/subscriptions", module + "/cmd/actorstore",
		// The generated gRPC/Connect stubs of messages/service.proto.
		module + "/messages/messagesconnect"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if slices.Contains(f[1:], module+"/messages") && !slices.Contains(allowed, f[0]) {
			t.Errorf("%s imports messages; convert through package wire", f[0])
		}
	}
}

// TestWireImportsOnlyEventstoreAndMessages keeps wire just above the domain.
func TestWireImportsOnlyEventstoreAndMessages(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch dep {
		case module + "/wire", module + "/eventstore", module + "/messages":
		default:
			if strings.HasPrefix(dep, module) {
				t.Errorf("wire depends on %s", dep)
			}
		}
	}
}
