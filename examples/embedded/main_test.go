package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestExampleRuns builds and runs the example as its users would.
func TestExampleRuns(t *testing.T) {
	out, err := exec.Command("go", "run", ".", "-data", t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	for _, want := range []string{"placed: version 1", "conflict: stream order-42 is at version 1",
		"paid: version 2", `order-42@2 OrderPaid {"amount":30}`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
