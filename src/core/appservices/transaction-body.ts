/**
 * Builds the body of PUT /_matrix/app/v1/transactions/{txnId} from queued items. The keys
 * follow what the registration asked for, with the names Synapse sends:
 * - `events`, always;
 * - `ephemeral` and `de.sorunome.msc2409.to_device` with receive_ephemeral (spec v1.13 and
 *   MSC2409/MSC4203), or `de.sorunome.msc2409.ephemeral` and `…to_device` with only the
 *   unstable `de.sorunome.msc2409.push_ephemeral`;
 * - with `org.matrix.msc3202`: `org.matrix.msc3202.device_lists`, the one-time key counts
 *   (under both spellings clients read) and `org.matrix.msc3202.device_unused_fallback_key_types`
 *   for the devices of the appservice's users that the transaction concerns.
 * https://spec.matrix.org/v1.19/application-service-api/#put_matrixapp
 */
import type { OutboxRow } from "../../storage/appservice-queue.ts";
import type { Appservice } from "./namespaces.ts";

export interface BodyDependencies {
  clientEvent(eventId: string): Record<string, unknown> | undefined;
  devicesOf(userId: string): string[];
  oneTimeKeyCounts(userId: string, deviceId: string): Record<string, number>;
  unusedFallbackKeyTypes(userId: string, deviceId: string): string[];
}

type Json = Record<string, unknown>;

/**
 * Past this many bytes of items a transaction takes no more: a hundred large events would
 * make a body that appservice libraries refuse (matrix-appservice stops at 5 MB), and a
 * refused transaction is retried for ever. The first item always goes in.
 */
export const MAX_TRANSACTION_BYTES = 1_000_000;

/**
 * The body for the first `consumed` items (all of them unless the byte limit cut the
 * batch short); `body` is undefined when nothing in them is still to be sent.
 */
export function buildTransactionBody(
  items: readonly OutboxRow[],
  appservice: Appservice,
  deps: BodyDependencies,
): { body: Json | undefined; consumed: number } {
  const events: Json[] = [];
  const ephemeral: Json[] = [];
  const toDevice: Json[] = [];
  const changed = new Set<string>();
  let bytes = 0;
  let consumed = 0;
  for (const item of items) {
    if (consumed > 0 && bytes > MAX_TRANSACTION_BYTES) break;
    consumed++;
    if (item.kind === "event") {
      const event = deps.clientEvent(item.payload);
      if (event) {
        events.push(event);
        bytes += JSON.stringify(event).length;
      }
      continue;
    }
    bytes += item.payload.length;
    if (item.kind === "ephemeral") ephemeral.push(JSON.parse(item.payload) as Json);
    else if (item.kind === "to_device") toDevice.push(JSON.parse(item.payload) as Json);
    else changed.add(JSON.parse(item.payload) as string);
  }
  return { body: assemble(appservice, deps, { events, ephemeral, toDevice, changed }), consumed };
}

function assemble(
  appservice: Appservice,
  deps: BodyDependencies,
  items: { events: Json[]; ephemeral: Json[]; toDevice: Json[]; changed: Set<string> },
): Json | undefined {
  const { events, ephemeral, toDevice, changed } = items;
  const { registration } = appservice;
  const body: Json = { events };
  if (registration.receive_ephemeral) {
    if (ephemeral.length > 0) body.ephemeral = ephemeral;
    if (toDevice.length > 0) body["de.sorunome.msc2409.to_device"] = toDevice;
  } else if (registration.legacy_ephemeral) {
    if (ephemeral.length > 0) body["de.sorunome.msc2409.ephemeral"] = ephemeral;
    if (toDevice.length > 0) body["de.sorunome.msc2409.to_device"] = toDevice;
  }
  if (registration.device_extensions)
    Object.assign(body, deviceExtensions(appservice, events, toDevice, changed, deps));
  const sendsSomething =
    events.length > 0 ||
    Object.keys(body).some((key) => key !== "events" && !key.includes("one_time_key") && !key.includes("fallback"));
  return sendsSomething ? body : undefined;
}

/** MSC3202: device-list changes, and key counts for the appservice's users this transaction is about. */
function deviceExtensions(
  appservice: Appservice,
  events: Json[],
  toDevice: Json[],
  changed: Set<string>,
  deps: BodyDependencies,
): Json {
  const extensions: Json = {};
  if (changed.size > 0) extensions["org.matrix.msc3202.device_lists"] = { changed: [...changed], left: [] };
  const users = new Set<string>();
  for (const event of events) if (typeof event.sender === "string") users.add(event.sender);
  for (const message of toDevice) if (typeof message.to_user_id === "string") users.add(message.to_user_id);
  for (const userId of changed) users.add(userId);
  const counts: Record<string, Record<string, Record<string, number>>> = {};
  const fallback: Record<string, Record<string, string[]>> = {};
  for (const userId of users) {
    if (!appservice.isInterestedInUser(userId)) continue;
    for (const deviceId of deps.devicesOf(userId)) {
      (counts[userId] ??= {})[deviceId] = deps.oneTimeKeyCounts(userId, deviceId);
      (fallback[userId] ??= {})[deviceId] = deps.unusedFallbackKeyTypes(userId, deviceId);
    }
  }
  if (Object.keys(counts).length > 0) {
    extensions["org.matrix.msc3202.device_one_time_keys_count"] = counts;
    extensions["org.matrix.msc3202.device_one_time_key_counts"] = counts;
    extensions["org.matrix.msc3202.device_unused_fallback_key_types"] = fallback;
  }
  return extensions;
}
