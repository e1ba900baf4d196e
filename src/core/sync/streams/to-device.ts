/**
 * Send-to-device messages for the syncing device, after the device's position in the token.
 * They are deleted only once a later `since` shows the client received them (`acknowledge`),
 * so a response lost on the way is sent again. A device whose inbox was found empty after a
 * position is not asked again until a message for it arrives (`delivered`), which keeps the
 * inbox out of a woken sync's queries.
 * https://spec.matrix.org/v1.19/client-server-api/#extensions-to-sync
 */
import type { ToDevice } from "../../e2ee/to-device.ts";
import type { Viewer } from "../../requester.ts";
import type { Stream } from "../stream.ts";

/** Messages per response; the rest follow in the next one, at once. */
const MESSAGES_PER_SYNC = 100;
const CACHE_LIMIT = 100_000;

export interface ToDeviceStream extends Stream {
  delivered(userId: string, deviceId: string): void;
  acknowledge(viewer: Viewer, upTo: number): void;
}

export function createToDeviceStream(
  toDevice: Pick<ToDevice, "messagesFor" | "acknowledge" | "inboxPosition">,
): ToDeviceStream {
  /** Per device: the inbox holds nothing after this position (until `delivered`). */
  const emptyAfter = new Map<string, number>();
  /** Per device: messages up to this position are already deleted. */
  const acknowledged = new Map<string, number>();
  const keyOf = (viewer: Viewer) => `${viewer.user_id}\u0000${viewer.device_id}`;
  const remember = (map: Map<string, number>, key: string, position: number) => {
    if (map.size >= CACHE_LIMIT) map.clear();
    map.set(key, position);
  };

  return {
    persistent: true,

    /** A message reached the device's inbox: its head moved (the notifier's onToDevice). */
    delivered(userId: string, deviceId: string): void {
      emptyAfter.delete(`${userId}\u0000${deviceId}`);
    },

    /** The device's inbox head, read only when the token could be past it. */
    latest(viewer: Viewer, since: number | undefined): number {
      const empty = emptyAfter.get(keyOf(viewer));
      if (since !== undefined && empty !== undefined && since <= empty) return since;
      return toDevice.inboxPosition(viewer.user_id, viewer.device_id);
    },

    /** Deletes what the client holds, up to its token (clamped to the inbox head: a token from the future deletes nothing unseen). */
    acknowledge(viewer: Viewer, upTo: number): void {
      const key = keyOf(viewer);
      if ((acknowledged.get(key) ?? -1) >= upTo) return;
      toDevice.acknowledge(
        viewer.user_id,
        viewer.device_id,
        Math.min(upTo, toDevice.inboxPosition(viewer.user_id, viewer.device_id)),
      );
      remember(acknowledged, key, upTo);
    },

    /** Up to a page of messages: the position reached is the last one sent, so the rest follow from there. */
    build(ctx, since, to) {
      const key = keyOf(ctx.viewer);
      const from = since ?? 0;
      const empty = emptyAfter.get(key);
      if (empty === undefined || from < empty) {
        const { events, nextPosition } = toDevice.messagesFor(
          ctx.viewer.user_id,
          ctx.viewer.device_id,
          from,
          MESSAGES_PER_SYNC,
        );
        if (events.length > 0) {
          ctx.response.to_device.events = events.map((event) => ({
            sender: event.sender,
            type: event.type,
            content: event.content,
          }));
          return nextPosition;
        }
        remember(emptyAfter, key, from);
      }
      // Nothing new: an incremental token keeps its position, an initial one takes the head.
      return since ?? to;
    },
  };
}
