package sqlite

import "context"

// writeTurn gives the single writer connection to callers in arrival
// order. database/sql hands a freed connection to a random waiting caller,
// so with hundreds of concurrent writers on one connection an unlucky one
// could wait out its whole deadline while later ones were served (the
// cause of the load flake of storetest "Concurrency": appends failed with
// "context deadline exceeded" after 30 s). Goroutines blocked sending on a
// channel are woken first in, first out, and a waiting caller leaves when
// its ctx ends.
type writeTurn chan struct{}

func newWriteTurn() writeTurn { return make(writeTurn, 1) }

// take waits for the caller's turn, or returns ctx's error.
func (w writeTurn) take(ctx context.Context) error {
	select {
	case w <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// give ends the turn.
func (w writeTurn) give() { <-w }

// inTurn runs fn in the caller's turn on the writer.
func inTurn[T any](ctx context.Context, s *Store, fn func(context.Context) (T, error)) (T, error) {
	if err := s.turn.take(ctx); err != nil {
		var zero T
		return zero, err
	}
	defer s.turn.give()
	return fn(ctx)
}
