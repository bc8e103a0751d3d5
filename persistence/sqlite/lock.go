package sqlite

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/actorstore/actorstore/eventstore"
)

// ErrLocked: the database file is held open by another process with
// Config.Exclusive. errors.Is(err, ErrLocked) is true for a *LockedError.
// It is eventstore.ErrLocked, so CodeOf gives CodeLocked.
var ErrLocked = eventstore.ErrLocked

// LockedError reports that Open with Config.Exclusive found the store held
// by another process. The embedded store serves one process at a time: its
// stream actors trust their in-memory heads, so a second process on the same
// file would read stale streams and miss the other's events. Several
// processes share one store on PostgreSQL.
type LockedError struct {
	// Path is the database file; LockPath the lock file next to it.
	Path, LockPath string
	// PID is the process that holds the lock, as it wrote it into the lock
	// file (0 when it could not be read).
	PID int
}

func (e *LockedError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = "process " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("sqlite: %s is in use by %s (lock %s): the embedded store is opened by one "+
		"process at a time; stop that process, or use PostgreSQL (--postgres-url) to run several processes on one store",
		e.Path, holder, e.LockPath)
}

// Is makes errors.Is(err, ErrLocked) true. It is not retryable: the holder
// keeps the lock until it stops.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// ErrorCode is eventstore.CodeLocked.
func (e *LockedError) ErrorCode() eventstore.Code { return eventstore.CodeLocked }

// fileLock is an exclusive OS lock (flock) on Path + ".lock", held while the
// store is open. The OS drops it when the process dies, so a crash never
// leaves a stale lock. It is a separate file, not the database: closing any
// descriptor of the database file would drop SQLite's own POSIX locks.
type fileLock struct {
	f *os.File
}

// lockPath is the lock file of the database file path.
func lockPath(path string) string { return path + ".lock" }

// acquireLock takes the exclusive lock of path without waiting, and writes
// this process's ID into the lock file so a refused opener can name it.
func acquireLock(path string) (*fileLock, error) {
	lp := lockPath(path)
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open lock file %s: %w", lp, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sqlite: lock %s: %w", lp, err)
	}
	if held {
		pid := readPID(lp)
		f.Close()
		return nil, &LockedError{Path: path, LockPath: lp, PID: pid}
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &fileLock{f: f}, nil
}

// release drops the lock; the file stays (removing it would race with an
// opener that has it open and is about to lock it).
func (l *fileLock) release() error {
	if l == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	return l.f.Close() // closing the descriptor releases the flock
}

func readPID(lp string) int {
	b, err := os.ReadFile(lp)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}
