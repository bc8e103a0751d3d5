package postgres

// StreamListQueries are the statements of ListStreams, for the plan test.
var StreamListQueries = map[string]string{"after": sqlStreamsAfter, "after, prefix": sqlStreamsAfterUpTo,
	"before": sqlStreamsBefore, "before, prefix": sqlStreamsBeforeUpTo}
