package streams

import "testing"

// TestPostgres runs the behavioural tests again on PostgreSQL (a
// throwaway server from internal/pgtest; skipped when none is available).
func TestPostgres(t *testing.T) {
	tests := []struct {
		name string
		run  func(*testing.T)
	}{
		{"AppendThenRead", TestAppendThenReadFromCacheAndStore},
		{"ExpectedVersionInMemory", TestExpectedVersionInMemory},
		{"ManyWriters", TestManyWritersManyStreamsAndOneHotStream},
		{"Pipelined", TestPipelinedExactAppends},
		{"IdempotentRetry", TestIdempotentRetry},
		{"Passivation", TestPassivationThenReactivationKeepsTheVersion},
		{"PanicDuringFlush", TestPanicDuringFlushLosesNothing},
		{"ConflictFromAnotherWriter", TestConflictFromAnotherWriter},
		{"Linearizable", TestAppendsAreLinearizable},
		{"TransactCommits", TestTransactCommitsAllStreams},
		{"TransactAllOrNothing", TestTransactIsAllOrNothing},
		{"TransactOppositeOrders", TestTransactOppositeOrdersDoNotDeadlock},
		{"PipelineBehindAFailedTransaction", TestPipelinedWorkBehindAFailedTransaction},
		{"TransactionsLinearizable", TestTransactionsAndAppendsAreLinearizable},
		{"InterleavedGapless", TestInterleavedAppendsAndTransactionsStayGapless},
		{"ReadDuringThePipeline", TestReadDuringThePipelineNeverSeesLess},
		{"DeleteWaitsForPipedTransactions", TestDeleteWaitsForThePipedTransactions},
		{"RestartWhilePiped", TestRestartWhilePiped},
		{"PipelinedBehindACancelledTransaction", TestPipelinedBehindACancelledTransaction},
		{"ChainedTransactionsInOneBatch", TestChainedTransactionsCommitInOneBatch},
		{"FailedMergedBatch", TestFailedMergedBatchLeavesEachTransactionRight},
		{"MergedLinearizable", TestMergedBatchesAreLinearizable},
		{"Close", TestCloseFlushesAcceptedAppends},
		{"OnCommit", TestOnCommitGetsEveryCommittedEventInPositionOrder},
		{"VerifyConflicts", TestVerifyConflictsAgainstTheStore},
		{"StraightToTheLiveActor", TestCallsGoStraightToTheLiveActor},
		{"PassivationRacingADirectCall", TestPassivationRacingADirectCall},
		{"PassivationUnderDirectCalls", TestPassivationUnderDirectCalls},
	}
	onPostgres = true
	t.Cleanup(func() { onPostgres = false })
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}
