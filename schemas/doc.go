// Package schemas validates event payloads against registered schemas,
// chooses their schema versions, and upcasts stored events to newer
// versions.
//
// # Registry
//
// A Registry maps event types to schema versions 1..N: a JSON Schema
// (RegisterJSON, or LoadDir from a directory) for application/json
// payloads, or a protobuf message (RegisterProto) for application/protobuf
// ones. Schemas are compiled once, at registration. Each type has a mode:
// ModeStrict (the default for registered types), ModeWarn or ModeOff;
// unregistered types follow the default mode (ModeOff unless
// SetDefaultMode says otherwise).
//
// # Validation
//
// Validate and ValidateBatch check events as a writer proposes them. They
// never modify the events: the Result says which version to store in
// EventData.SchemaVersion (given, taken from the "schema-version" metadata,
// or detected as the newest version that accepts the payload). In strict
// mode a failure is a *ValidationError listing every problem of every
// failing event: a JSON pointer into the payload ("/order/lines/2/qty"),
// the rule (JSON Schema keyword or a Rule* constant) and a message.
// Its code is eventstore.CodeValidation; this package registers its wire
// form with wire.RegisterError, so wire.ErrorToProto and
// wire.ErrorFromProto carry it over the wire as ERROR_CODE_VALIDATION with
// every problem.
//
// # Evolution and upcasting
//
// Versions of a type are registered in order. Version n is accepted only if
// every example of every earlier version, upcast to n, validates against it
// (the examples come from the schema's "examples" keyword or are given at
// registration); otherwise registration fails with *IncompatibleError.
// Upcasters are one step each (n -> n+1), registered before the version
// they lead to; a version registered without one is reached by the
// identity. Upcast converts a RecordedEvent to a later version by running
// the chain of steps; stored events are never rewritten.
//
// # Guarantees
//
//   - Validate never accepts, in strict mode, a payload that its version's
//     schema rejects, nor an unregistered type or version.
//   - A chain of upcasters gives the same payload as its steps run one by
//     one; upcasting to the event's own version returns it unchanged.
//   - Schemas that use only a common subset of keywords (see
//     docs/schemas.md) also get a fast path that accepts valid payloads
//     without the general validator; it never decides a rejection, so
//     results and errors are the same with or without it.
//   - A failed registration or LoadDir leaves the registry unchanged.
//   - Errors are typed (*ValidationError, *RegistrationError,
//     *IncompatibleError, *MissingUpcasterError, *UpcastError,
//     *VersionError) and match the sentinels of errors.go with errors.Is.
//     Bad input never panics; a panicking upcaster is not recovered.
//
// # Concurrency
//
// Every method of Registry is safe for concurrent use. Registration is
// serialised and published atomically (copy on write), so Validate and
// Upcast take no lock and see a registration wholly or not at all.
// Upcasters may run concurrently and must not keep state.
package schemas
