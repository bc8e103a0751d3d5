package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/rs/zerolog"
	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Store is the persistence.Store on one SQLite file. It is safe for
// concurrent use. Create it with Open and release it with Close.
type Store struct {
	cfg     Config
	log     zerolog.Logger
	writer  *sql.DB // exactly one connection: SQLite has one writer
	readers *sql.DB // cfg.Readers connections, query_only
	notify  *broadcaster
	lock    *fileLock // with cfg.Exclusive: held until Close
	turn    writeTurn // the writer, in arrival order (turn.go)

	// mu is held for reading by every call in flight and for writing by
	// Close, so Close waits for running calls and later calls see closed.
	mu     sync.RWMutex
	closed bool

	retries atomic.Int64 // attempts after the first, see StoreStats
}

var _ persistence.Store = (*Store)(nil)

// Open opens (creating it when missing) the database file cfg.Path, applies
// the embedded migrations that it lacks, and returns the store. ctx bounds
// opening and migrating only. With cfg.Exclusive it first takes the file's
// exclusive lock, or fails with a *LockedError naming the holder.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	var lock *fileLock
	if cfg.Exclusive {
		l, err := acquireLock(cfg.Path)
		if err != nil {
			return nil, err
		}
		lock = l
	}
	s, err := open(ctx, cfg)
	if err != nil {
		_ = lock.release()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

func open(ctx context.Context, cfg Config) (*Store, error) {
	writer, err := sql.Open("sqlite", dsn(cfg, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, &eventstore.ConnectionError{Host: cfg.Path, Op: "migrate", Attempts: 1, Err: err}
	}
	readers, err := sql.Open("sqlite", dsn(cfg, true))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	readers.SetMaxOpenConns(cfg.Readers)
	readers.SetMaxIdleConns(cfg.Readers)
	readers.SetConnMaxLifetime(0)
	readers.SetConnMaxIdleTime(0)
	if err := readers.PingContext(ctx); err != nil {
		writer.Close()
		readers.Close()
		return nil, &eventstore.ConnectionError{Host: cfg.Path, Op: "open", Attempts: 1, Err: err}
	}
	s := &Store{cfg: cfg, log: cfg.Logger, writer: writer, readers: readers, notify: newBroadcaster(), turn: newWriteTurn()}
	s.log.Debug().Str("path", cfg.Path).Int("readers", cfg.Readers).Msg("sqlite store opened")
	return s, nil
}

// dsn builds the modernc.org/sqlite data source name. The writer begins its
// transactions with BEGIN IMMEDIATE (it takes the write lock at once, so two
// writers never deadlock on a lock upgrade); readers are query_only.
func dsn(cfg Config, reader bool) string {
	ms := strconv.FormatInt(cfg.BusyTimeout.Milliseconds(), 10)
	s := cfg.Path + "?_pragma=busy_timeout(" + ms + ")" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	if reader {
		return s + "&_pragma=query_only(1)"
	}
	return s + "&_pragma=journal_mode(WAL)&_txlock=immediate"
}

// Close waits for the calls in flight, closes every Notifications channel
// and the connections. Calls after Close return eventstore.ErrClosed;
// closing twice returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.notify.close()
	// Keep the query planner's statistics fresh for the next open; cheap
	// and best effort.
	_, _ = s.writer.Exec("PRAGMA optimize")
	err := errors.Join(s.readers.Close(), s.writer.Close(), s.lock.release())
	s.log.Debug().Str("path", s.cfg.Path).Err(err).Msg("sqlite store closed")
	return err
}

// enter starts a call: it fails with ErrClosed after Close, and applies the
// default timeout when ctx has no deadline. leave must be called at the end.
func (s *Store) enter(ctx context.Context) (_ context.Context, leave func(), _ error) {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil, nil, eventstore.ErrClosed
	}
	cancel := context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok {
		ctx, cancel = context.WithTimeout(ctx, s.cfg.Timeout)
	}
	return ctx, func() { cancel(); s.mu.RUnlock() }, nil
}

// run executes op with the store's retry policy for transient SQLite
// errors, and turns a final failure into a typed error.
func run[T any](ctx context.Context, s *Store, opName string, op func(context.Context) (T, error)) (T, error) {
	res, attempts, err := persistence.Retry(ctx, s.cfg.Retry, isTransient, op)
	if attempts > 1 {
		s.retries.Add(int64(attempts - 1))
	}
	if err != nil {
		if attempts > 1 {
			s.log.Warn().Str("op", opName).Int("attempts", attempts).Str("trace_id", eventstore.TraceID(ctx)).
				Err(err).Msg("sqlite operation failed after retries")
		}
		return res, s.fail(ctx, opName, attempts, err)
	}
	return res, nil
}

// fail returns err as callers see it: typed eventstore errors as
// they are, anything else (SQLite errors, context ends) as a
// *eventstore.ConnectionError.
func (s *Store) fail(ctx context.Context, op string, attempts int, err error) error {
	var (
		ie *eventstore.InputError
		nf *eventstore.StreamNotFoundError
	)
	if errors.As(err, &ie) || errors.As(err, &nf) || errors.Is(err, eventstore.ErrClosed) ||
		errors.Is(err, eventstore.ErrConcurrency) || errors.Is(err, eventstore.ErrStreamDeleted) {
		return err
	}
	if cerr := ctx.Err(); cerr != nil {
		err = cerr
	} else if isFull(err) {
		err = fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return &eventstore.ConnectionError{Host: s.cfg.Path, Op: op, Attempts: attempts, Err: err}
}

// ErrDiskFull is the cause of a *eventstore.ConnectionError when the disk
// of the store (or of its temporary files) is full (SQLITE_FULL). The
// transaction was rolled back: nothing of it is written. It is retryable
// (code UNAVAILABLE): the same call succeeds once space is freed.
var ErrDiskFull = errors.New("sqlite: disk full (free space on the store's filesystem)")

// isFull reports SQLITE_FULL, and SQLITE_IOERR caused by ENOSPC.
func isFull(err error) bool {
	var se *driver.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

// isTransient reports SQLite errors worth retrying: the database is locked
// by another connection or process (SQLITE_BUSY, SQLITE_LOCKED).
func isTransient(err error) bool {
	var se *driver.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}
