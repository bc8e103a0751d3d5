package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// withConn runs fn on a connection of the append pool (AppendBatch's
// own: its connections may carry the fast append's settings as session
// defaults, so nothing else runs there). Afterwards the connection goes
// back to the pool clean: a transaction fn left open is rolled back, and a
// connection that cannot be cleaned is closed. When fn fails and the
// connection turns out closed, the error is marked as a lost connection
// (the outcome of the last statement is unknown).
func (s *Store) withConn(ctx context.Context, fn func(*pgxpool.Conn) error) error {
	conn, err := s.appends.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	err = fn(conn)
	pg := conn.Conn().PgConn()
	if err != nil && pg.IsClosed() {
		return &connLostError{err: err}
	}
	if pg.TxStatus() != 'I' && !pg.IsClosed() {
		rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if _, rerr := conn.Exec(rctx, "ROLLBACK"); rerr != nil {
			conn.Conn().Close(rctx)
		}
	}
	return err
}
