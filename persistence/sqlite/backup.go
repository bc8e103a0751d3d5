package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

// BackupReport describes a backup copy of an embedded store, as read back
// from the copy by VerifyBackup.
type BackupReport struct {
	Path         string
	Bytes        int64
	Events       int64
	LastPosition eventstore.Position
	Migrations   int
	Took         time.Duration
}

// Backup writes a consistent copy of the embedded store at src to dst
// with SQLite's VACUUM INTO, while the store may be in use (by this or
// another process, a running node included): the copy is the database as
// of one read transaction, compacted, with no WAL of its own. dst must not
// exist. It then checks the copy (VerifyBackup) and returns its report; a
// copy that fails the check is removed.
func Backup(ctx context.Context, src, dst string) (BackupReport, error) {
	start := time.Now()
	if _, err := os.Stat(src); err != nil {
		return BackupReport{}, &eventstore.InputError{Field: "from", Rule: "exists", Message: "no embedded store at " + src}
	}
	if _, err := os.Stat(dst); err == nil {
		return BackupReport{}, &eventstore.InputError{Field: "to", Rule: "new", Message: dst + " exists already"}
	}
	db, err := sql.Open("sqlite", src+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return BackupReport{}, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		_ = os.Remove(dst)
		return BackupReport{}, fmt.Errorf("sqlite: backup into %s: %w", dst, err)
	}
	rep, err := VerifyBackup(ctx, dst)
	if err != nil {
		_ = os.Remove(dst)
		return rep, err
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// VerifyBackup checks a copy of an embedded store without changing it:
// SQLite's integrity check passes, every migration this version knows is
// applied, and the events' positions and versions are readable. It
// reports what the copy holds.
func VerifyBackup(ctx context.Context, path string) (BackupReport, error) {
	rep := BackupReport{Path: path}
	st, err := os.Stat(path)
	if err != nil {
		return rep, &eventstore.InputError{Field: "backup", Rule: "exists", Message: "no backup at " + path}
	}
	rep.Bytes = st.Size()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return rep, err
	}
	defer db.Close()
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil {
		return rep, fmt.Errorf("sqlite: backup %s: %w", path, err)
	}
	if check != "ok" {
		return rep, fmt.Errorf("sqlite: backup %s fails the integrity check: %s", path, strings.TrimSpace(check))
	}
	ms, err := migrations()
	if err != nil {
		return rep, err
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rep.Migrations); err != nil {
		return rep, fmt.Errorf("sqlite: backup %s is not an actorstore store: %w", path, err)
	}
	if rep.Migrations < len(ms) {
		return rep, fmt.Errorf("sqlite: backup %s has %d of %d migrations", path, rep.Migrations, len(ms))
	}
	var last int64
	err = db.QueryRowContext(ctx, `SELECT count(*), COALESCE(MAX(position), 0) FROM events`).Scan(&rep.Events, &last)
	rep.LastPosition = uint64(last)
	return rep, err
}

// Restore puts a checked backup in place as the embedded store at dst,
// which must not exist (restore into a new data directory, then point the
// node at it). The copy at dst is checked again.
func Restore(ctx context.Context, backup, dst string) (BackupReport, error) {
	if _, err := VerifyBackup(ctx, backup); err != nil {
		return BackupReport{}, err
	}
	if _, err := os.Stat(dst); err == nil {
		return BackupReport{}, &eventstore.InputError{Field: "to", Rule: "new", Message: dst + " exists already"}
	}
	if err := copyFile(backup, dst); err != nil {
		_ = os.Remove(dst)
		return BackupReport{}, err
	}
	rep, err := VerifyBackup(ctx, dst)
	if err != nil {
		_ = os.Remove(dst)
		return rep, errors.Join(errors.New("sqlite: the restored copy fails its check"), err)
	}
	return rep, nil
}

// copyFile copies src to a new file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
