package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"
	"syscall"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/jackc/pgx/v5/pgconn"
)

// IsTransient reports whether err is a database failure that the same
// request may survive when retried: a lost or refused connection, a server
// shutting down or starting up, a serialization failure or deadlock, too
// many connections, or the timeout of one attempt. The store retries these
// itself with its RetryPolicy; callers see a *eventstore.ConnectionError
// once the attempts are used up. Cancellation is never transient.
func IsTransient(err error) bool {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, errConnLost):
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return transientCode(pgErr.Code)
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr),
		pgconn.SafeToRetry(err), pgconn.Timeout(err),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return true
	}
	return false
}

// transientCode reports whether a SQLSTATE is worth retrying.
func transientCode(code string) bool {
	switch code {
	case "40001", // serialization_failure
		"40P01", // deadlock_detected
		"57P01", // admin_shutdown (pg_terminate_backend, fast shutdown)
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now (starting up, recovering)
		"53300", // too_many_connections
		"55006": // object_in_use
		return true
	}
	return strings.HasPrefix(code, "08") // connection_exception class
}

// isUniqueViolation reports a unique_violation: another writer raced this
// append (same event ID or same stream version). Retrying the transaction
// sees the committed state and reports it properly.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// markCanceled marks a statement the server cancelled (SQLSTATE 57014
// query_canceled: statement_timeout, or pg_cancel_backend) so that the
// caller's *eventstore.ConnectionError matches eventstore.ErrTimeout:
// the database did not finish the statement in time. The transaction was
// rolled back, so it is retryable like any timeout. Other errors are
// returned unchanged.
func markCanceled(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		return err
	}
	return &canceledError{err: err}
}

type canceledError struct{ err error }

func (e *canceledError) Error() string        { return e.err.Error() }
func (e *canceledError) Unwrap() error        { return e.err }
func (e *canceledError) Is(target error) bool { return target == eventstore.ErrTimeout }

// errConnLost marks an error after which the connection was found closed,
// whatever the error looked like: the statement's outcome is unknown.
var errConnLost = errors.New("connection lost")

type connLostError struct{ err error }

func (e *connLostError) Error() string { return "connection lost: " + e.err.Error() }
func (e *connLostError) Unwrap() []error {
	return []error{e.err, errConnLost}
}

// redactedError hides secrets from an error's text while keeping the chain
// for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err unchanged unless its text contains one of the
// secrets (a password, or a URL that carries one); then the text has them
// replaced by "xxxxx".
func redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	found := false
	for _, s := range expandSecrets(secrets) {
		if s != "" && strings.Contains(msg, s) {
			msg, found = strings.ReplaceAll(msg, s, "xxxxx"), true
		}
	}
	if !found {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// expandSecrets adds the password of any URL among secrets.
func expandSecrets(secrets []string) []string {
	out := append([]string(nil), secrets...)
	for _, s := range secrets {
		if u, err := url.Parse(s); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok && p != "" {
				out = append(out, p, url.QueryEscape(p))
			}
		}
		if m := dsnPassword.FindStringSubmatch(s); m != nil {
			out = append(out, strings.Trim(m[1], "'"))
		}
	}
	return out
}

var dsnPassword = regexp.MustCompile(`password=('[^']*'|\S+)`)

// redactURL renders a connection string with its password masked.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return dsnPassword.ReplaceAllString(raw, "password=xxxxx")
}
