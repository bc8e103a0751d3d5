package actors

import (
	"context"
	"log/slog"

	"github.com/rs/zerolog"
)

// renamedMessageKey replaces protoactor's "message" attribute, which would
// otherwise collide with zerolog's own message field.
const renamedMessageKey = "actor_message"

// newSlogLogger returns an slog.Logger writing to log through zerolog's slog
// handler, with the attribute "message" renamed to "actor_message".
func newSlogLogger(log zerolog.Logger) *slog.Logger {
	return slog.New(renameHandler{next: zerolog.NewSlogHandler(log)})
}

// renameHandler renames colliding attribute keys before zerolog sees them.
type renameHandler struct{ next slog.Handler }

var _ slog.Handler = renameHandler{}

func (h renameHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h renameHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(rename(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h renameHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	renamed := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		renamed[i] = rename(a)
	}
	return renameHandler{next: h.next.WithAttrs(renamed)}
}

func (h renameHandler) WithGroup(name string) slog.Handler {
	return renameHandler{next: h.next.WithGroup(name)}
}

func rename(a slog.Attr) slog.Attr {
	if a.Key == zerolog.MessageFieldName {
		a.Key = renamedMessageKey
	}
	return a
}
