package postgres

// StreamListQueries are the statements of ListStreams, for the plan test.
var StreamListQueries = map[string]string{"after": sqlStreamsAfter, "after, prefix": sqlStreamsAfterUpTo,
	"before": sqlStreamsBefore, "before, prefix": sqlStreamsBeforeUpTo}

// FastWrite, FastOne, FastSettings and AppendConnDefaults are the fast
// append's statements, for
// BenchmarkWritePathCostsOne.
const FastWrite, FastOne, FastSettings, AppendConnDefaults = sqlFastWrite, sqlFastOne, sqlFastSettings,
	sqlAppendConnDefaults
