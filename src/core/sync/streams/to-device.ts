/**
 * Send-to-device messages for the syncing device, after the device's position in the token.
 * They are deleted only once a later `since` shows the client received them (sync.ts
 * acknowledges them), so a response lost on the way is sent again.
 * https://spec.matrix.org/v1.19/client-server-api/#extensions-to-sync
 */
import type { ToDevice } from "../../e2ee/to-device.ts";
import type { SyncContext } from "../sync-response.ts";

/** Messages per response; the rest follow in the next one, at once. */
const MESSAGES_PER_SYNC = 100;

export function createToDeviceStream(toDevice: Pick<ToDevice, "messagesFor">) {
  return (ctx: SyncContext): void => {
    const { events, nextPosition } = toDevice.messagesFor(ctx.viewer.user_id, ctx.viewer.device_id, ctx.since?.toDevice ?? 0, MESSAGES_PER_SYNC);
    ctx.response.to_device.events = events.map((event) => ({ sender: event.sender, type: event.type, content: event.content }));
    // Without new messages the token keeps its position (the inbox head may be past messages already acknowledged).
    ctx.to.toDevice = events.length > 0 ? nextPosition : (ctx.since?.toDevice ?? ctx.to.toDevice);
  };
}
