package pgtest

import (
	"strconv"
	"testing"
)

// Options shape a server of a test's own (NewServer).
type Options struct {
	// WALDir puts the write-ahead log in this directory (initdb --waldir;
	// it must be empty or missing), for example on a small filesystem.
	WALDir string
	// WALSegmentMB is the WAL segment size in MiB (initdb --wal-segsize;
	// 0: PostgreSQL's 16).
	WALSegmentMB int
	// Config is appended to postgresql.conf.
	Config string
}

// NewServer starts a PostgreSQL server of t's own, shaped by o, and removes
// it when t ends. Unlike Server, it is not shared and never an external
// one: it skips t when the binaries are missing.
func NewServer(t testing.TB, o Options) *Instance {
	t.Helper()
	bin, err := findBinDir()
	if err != nil {
		t.Skip(err)
	}
	var args, chown []string
	if o.WALDir != "" {
		args, chown = append(args, "--waldir="+o.WALDir), append(chown, o.WALDir)
	}
	if o.WALSegmentMB > 0 {
		args = append(args, "--wal-segsize="+strconv.Itoa(o.WALSegmentMB))
	}
	c, err := newClusterWith(bin, args, chown)
	if err != nil {
		t.Fatal(err)
	}
	in := managed(c)
	t.Cleanup(in.shutdown)
	if o.Config != "" {
		if err := c.appendConfig(o.Config); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.start(in.admin.String()); err != nil {
		t.Fatal(err)
	}
	return in
}
