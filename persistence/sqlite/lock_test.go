package sqlite_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

// lockEnv names the database file the lock helper process holds open.
const lockEnv = "ACTORSTORE_SQLITE_LOCK_PATH"

// TestHelperProcessHoldLock is not a test: TestExclusiveOpenRefusesSecondProcess
// runs the test binary again with lockEnv set; this opens the store with
// Exclusive, prints "open", and keeps it open until stdin closes or it is killed.
func TestHelperProcessHoldLock(t *testing.T) {
	path := os.Getenv(lockEnv)
	if path == "" {
		t.Skip("helper process for TestExclusiveOpenRefusesSecondProcess")
	}
	st, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, Exclusive: true})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	fmt.Println("open")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	_ = st.Close()
	os.Exit(0)
}

// TestExclusiveOpenRefusesSecondProcess: while another process holds the
// store open with Exclusive, a second Exclusive Open fails with a
// *LockedError that names the holder's PID and points to PostgreSQL, and
// writes nothing; after the holder is killed (SIGKILL: no clean release) the
// store opens again.
func TestExclusiveOpenRefusesSecondProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessHoldLock$")
	cmd.Env = append(os.Environ(), lockEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "open" {
		t.Fatalf("helper did not open the store: %q %v", line, err)
	}

	st, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, Exclusive: true})
	if err == nil {
		st.Close()
		t.Fatal("a second process opened the store the first holds exclusively")
	}
	var le *sqlite.LockedError
	if !errors.As(err, &le) || !errors.Is(err, sqlite.ErrLocked) {
		t.Fatalf("second open: %v, want a *LockedError", err)
	}
	if c := eventstore.CodeOf(err); c != eventstore.CodeLocked || eventstore.IsRetryable(err) {
		t.Errorf("CodeOf(LockedError) = %v, want %v, not retryable", c, eventstore.CodeLocked)
	}
	if le.PID != cmd.Process.Pid || le.Path != path {
		t.Errorf("LockedError names pid %d path %s, want pid %d path %s", le.PID, le.Path, cmd.Process.Pid, path)
	}
	for _, want := range []string{fmt.Sprint("process ", cmd.Process.Pid), "PostgreSQL", path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	_ = stdin // kept open until here; SIGKILL leaves no chance to release cleanly
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	st, err = sqlite.Open(context.Background(), sqlite.Config{Path: path, Exclusive: true})
	if err != nil {
		t.Fatalf("open after the holder died: %v", err)
	}
	defer st.Close()
}

// TestExclusiveOpenTwiceInOneProcess: the lock also refuses a second
// Exclusive Open in the same process, and Close releases it.
func TestExclusiveOpenTwiceInOneProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	st, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	var le *sqlite.LockedError
	if _, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, Exclusive: true}); !errors.As(err, &le) ||
		le.PID != os.Getpid() {
		t.Fatalf("second open in one process: %v, want a *LockedError naming pid %d", err, os.Getpid())
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = sqlite.Open(context.Background(), sqlite.Config{Path: path, Exclusive: true})
	if err != nil {
		t.Fatalf("open after Close: %v", err)
	}
	st.Close()
}
