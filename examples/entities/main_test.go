package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestExampleRuns builds and runs the example as its users would: commands
// in Go, a rejection, a snapshot across a restart, and commands from a peer
// process over the protocol.
func TestExampleRuns(t *testing.T) {
	out, err := exec.Command("go", "run", ".", "-data", t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	for _, want := range []string{"Deposit: balance 100", "Withdraw: balance 70",
		"rejected: insufficient funds: balance 75, wanted 500 (code validation)",
		`snapshot at version 4: {"open":true,"balance":75}`,
		"after reopening: withdrew 75, balance 0 (snapshots loaded: 1)",
		"peer: deposited 50, balance 50 (event at version 6)",
		"peer: rejected: insufficient funds: balance 50, wanted 1000",
		"after the peer: balance 50"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
