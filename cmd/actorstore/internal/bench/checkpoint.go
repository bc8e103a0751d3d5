package bench

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// checkpointer runs CHECKPOINT on the PostgreSQL server before each
// measured phase. PostgreSQL starts a checkpoint on its own once the WAL
// written since the last one nears max_wal_size (1 GB by default: about
// half of that, with the default checkpoint_completion_target); the
// writing scenarios write about 0.8 KB of WAL per event, so without this
// the forced checkpoint (and the full-page writes after it) fell on
// whichever phase was running, mostly the later ones: the store's
// scenarios, which run after the baselines. Starting every phase right
// after a checkpoint gives each the same state. It needs the right to
// run CHECKPOINT (a superuser, or the role pg_checkpoint on PostgreSQL
// 15); when refused, the run goes on without and the report says so.
type checkpointer struct {
	url   string
	conn  *pgx.Conn
	notes []string
	off   bool // refused or failed once: not tried again
}

// run issues CHECKPOINT and reports whether it completed. A nil
// checkpointer does nothing.
func (c *checkpointer) run(ctx context.Context) bool {
	if c == nil || c.off {
		return false
	}
	if c.conn == nil {
		conn, err := pgx.Connect(ctx, c.url)
		if err != nil {
			c.fail(err)
			return false
		}
		c.conn = conn
	}
	if _, err := c.conn.Exec(ctx, "CHECKPOINT"); err != nil {
		c.fail(err)
		return false
	}
	return true
}

func (c *checkpointer) fail(err error) {
	c.off = true
	c.notes = append(c.notes, fmt.Sprintf("no CHECKPOINT before the phases (%v): "+
		"a checkpoint forced by the WAL volume may fall on any phase", err))
}

// close ends the connection and returns the notes for the report.
func (c *checkpointer) close() []string {
	if c.conn != nil {
		c.conn.Close(context.Background())
		c.conn = nil
	}
	return c.notes
}
