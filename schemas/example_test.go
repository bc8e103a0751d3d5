package schemas_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExampleProgramRuns builds and runs examples/schemas so that it cannot
// rot: it must exit 0 and print what it promises.
func TestExampleProgramRuns(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "schemas-example")
	build := exec.Command(goBin, "build", "-o", bin, "../examples/schemas")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"valid event: stored as v2 (detected)",
		"/lines/1/quantity    minimum",
		`first field "events[0]/currency"`,
		"refused: schemas: \"order-placed\" v3 is incompatible",
		`read as v2 {"currency":"EUR","lines":[{"quantity":2,"sku":"apple"}],"orderId":"o-1"}`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
