package eventstore_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNothingOfOurs keeps eventstore the leaf of the module: every
// other package builds on it, it builds on none of them.
func TestImportsNothingOfOurs(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/actorstore/actorstore") && dep != "github.com/actorstore/actorstore/eventstore" {
			t.Errorf("eventstore depends on %s", dep)
		}
	}
}
