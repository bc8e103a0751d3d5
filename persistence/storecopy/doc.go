// Package storecopy moves all events of one store into another (for
// example from the embedded SQLite file to PostgreSQL when a deployment
// outgrows one machine), keeping streams, versions, global positions and
// their order, event IDs, metadata and the durable subscriptions'
// checkpoints. It is what `actorstore copy` runs.
//
// # How
//
// The source is read in global order in pages (persistence.Store.ReadAll),
// one page ahead of the writes. A target that implements Importer (the
// PostgreSQL store: COPY in one transaction per page) receives every event
// exactly as recorded, created times included. Any other target receives
// the events through AppendBatch with exact expected versions, in batches
// cut so that positions come out in the source's order; such a target
// stamps its own created times (the Store contract does not let a caller
// set them), and Copy checks that every position came out as in the source.
//
// # Safety
//
// Copy refuses a target that already holds events (*TargetNotEmptyError)
// unless Options.Resume is set; then the target must hold a prefix of the
// source (checked at its last event), and the copy continues after it.
// Events committed to the source after Copy started are not copied: run it
// on a source that no one writes to.
package storecopy
