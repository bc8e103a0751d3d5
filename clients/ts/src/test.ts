// The TypeScript client test of the actorstore gRPC/Connect API: it runs
// against a real node (ACTORSTORE_API_URL, e.g. http://127.0.0.1:4160)
// and exits non-zero on the first failed check. Run by the Go test
// clients/ts (TestTypeScriptClient), which starts `actorstore serve`.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { EventStoreService } from "./gen/service_pb.js";
import { ErrorCode, ErrorSchema, EventDataSchema, type EventData } from "./gen/events_pb.js";
import { ReadDirection } from "./gen/api_pb.js";

const baseUrl = process.env.ACTORSTORE_API_URL;
if (!baseUrl) {
  throw new Error("set ACTORSTORE_API_URL to the node's API (http://host:port)");
}
const client = createClient(EventStoreService, createGrpcTransport({ baseUrl }));

function uuidBytes(): Uint8Array {
  return Uint8Array.from(Buffer.from(randomUUID().replaceAll("-", ""), "hex"));
}

function event(type: string, data: unknown): EventData {
  return create(EventDataSchema, {
    eventId: uuidBytes(),
    type,
    contentType: "application/json",
    data: new TextEncoder().encode(JSON.stringify(data)),
  });
}

function check(name: string) {
  console.log(`ok ${name}`);
}

const stream = `ts-order-${randomUUID()}`;

// Append expecting no stream, then a conflict with a typed error.
const first = await client.append({
  stream,
  expected: { kind: { case: "noStream", value: true } },
  events: [event("Placed", { total: 3 })],
});
assert.equal(first.lastVersion, 1n);
check("append expecting no stream: version 1");

let conflict: unknown;
try {
  await client.append({
    stream,
    expected: { kind: { case: "noStream", value: true } },
    events: [event("Placed", { total: 4 })],
  });
} catch (err) {
  conflict = err;
}
assert.ok(conflict instanceof ConnectError, `want a ConnectError, got ${conflict}`);
assert.equal(conflict.code, Code.Aborted);
const [detail] = conflict.findDetails(ErrorSchema);
assert.ok(detail, "the status details carry the actorstore Error");
assert.equal(detail.code, ErrorCode.CONCURRENCY);
assert.equal(detail.stream, stream);
assert.equal(detail.actualVersion, 1n);
assert.equal(detail.expected?.kind.case, "noStream");
assert.ok(detail.traceId.length > 0, "the error names its trace");
check(`conflict: ${Code[conflict.code]}, ERROR_CODE_CONCURRENCY on ${detail.stream}, actual ${detail.actualVersion}, trace ${detail.traceId}`);

// Expecting the exact version succeeds.
const second = await client.append({
  stream,
  expected: { kind: { case: "exact", value: 1n } },
  events: [event("Paid", { paid: true })],
});
assert.equal(second.firstVersion, 2n);
check("append expecting version 1: version 2");

// Read it back, forward and backward.
const read = await client.readStream({ stream, limit: 10 });
assert.deepEqual(read.events.map((e) => e.streamVersion), [1n, 2n]);
assert.deepEqual(JSON.parse(new TextDecoder().decode(read.events[0].event!.data)), { total: 3 });
const back = await client.readStream({ stream, limit: 1, from: 18446744073709551615n, direction: ReadDirection.BACKWARD });
assert.equal(back.events[0].event?.type, "Paid");
check("read: versions 1, 2; backward from the end: Paid");

// Tail the stream: history, caught up, then a live append.
const abort = new AbortController();
const tail = client.subscribe({ stream, window: 8 }, { signal: abort.signal });
const seen: string[] = [];
let appended = false;
try {
  for await (const msg of tail) {
    if (msg.kind.case === "event") {
      seen.push(`${msg.kind.value.streamVersion}:${msg.kind.value.event?.type}`);
      if (msg.kind.value.streamVersion === 3n) {
        break;
      }
    } else if (msg.kind.case === "caughtUp" && !appended) {
      seen.push("caught-up");
      appended = true;
      await client.append({
        stream,
        expected: { kind: { case: "exact", value: 2n } },
        events: [event("Shipped", { carrier: "ups" })],
      });
    }
  }
} finally {
  abort.abort();
}
assert.deepEqual(seen, ["1:Placed", "2:Paid", "caught-up", "3:Shipped"]);
check(`subscribe: ${seen.join(", ")}`);

// Bad input is refused with the typed error the peer protocol gives.
try {
  await client.readStream({ stream, limit: 0 });
  assert.fail("a read without limit was served");
} catch (err) {
  const e = ConnectError.from(err);
  assert.equal(e.code, Code.InvalidArgument);
  const [d] = e.findDetails(ErrorSchema);
  assert.equal(d?.code, ErrorCode.INVALID_INPUT);
  assert.equal(d?.fields[0]?.path, "limit");
}
check("read without limit: INVALID_ARGUMENT, INVALID_INPUT on limit");
console.log("PASS");
