package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/actorstore/actorstore/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestProjectionsExample runs the example against a throwaway PostgreSQL
// database: v1 serves, v2 is rebuilt while appends continue, reads switch,
// v2 equals the fold of all events, v1 is dropped.
func TestProjectionsExample(t *testing.T) {
	url := pgtest.Server(t).NewDatabase(t)
	out, err := exec.Command("go", "run", ".", "-postgres-url", url).CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	for _, want := range []string{"v1 live: 50 orders", "reads switched to v2", "v2 equals the fold of all", "v2 live: ",
		"v1 dropped"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("%s", out)
}
