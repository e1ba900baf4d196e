/**
 * Push rules on append. Inside the transaction that stores an event, each local joined member
 * but the sender (and the local user an invite is for) is evaluated against their push rules
 * and the notifications are counted, so unread counts reach the same /sync as the event.
 * After the commit the notified users' pushers hear of it through the push gateway. Both
 * hooks are listed in core/append-pipeline.ts.
 * https://spec.matrix.org/v1.19/client-server-api/#push-notifications
 */
import { EventType } from "../../matrix/event-types.ts";
import { serverNameOf } from "../../matrix/ids.ts";
import { parsePowerLevels } from "../../matrix/power-levels.ts";
import type { EventContent } from "../../matrix/pdu.ts";
import { pushContextsFor } from "../../matrix/push-rules.ts";
import { roomVersion } from "../../matrix/room-versions.ts";
import type { Stores } from "../../storage/index.ts";
import type { AfterCommitHook, AppendedEvent, WithinTransactionHook } from "../rooms/appended-event.ts";
import type { GatewaySender } from "./gateway-sender.ts";
import type { Notifications } from "./notifications.ts";

export interface PushOnAppendDeps {
  stores: Pick<Stores, "rooms" | "memberships">;
  serverName: string;
  notifications: Pick<Notifications, "notificationActionsFor" | "incrementCounts">;
  gateway: Pick<GatewaySender, "pushEvent">;
}

type Notified = ReturnType<Notifications["notificationActionsFor"]>;
type PushEvent = { type: string; sender: string; content: EventContent; room_id: string; state_key?: string };

export function createPushOnAppend({ stores, serverName, notifications, gateway }: PushOnAppendDeps) {
  /** Who was notified of each event, from the hook inside the transaction to the one after it; a rolled-back event is never looked up again. */
  const notifiedOf = new WeakMap<AppendedEvent, { pushEvent: PushEvent; notified: Notified }>();

  const evaluate: WithinTransactionHook = (event, room) => {
    const { pdu, room_id: roomId } = event;
    const members = stores.memberships.selectMembersOfRoom(roomId, "join");
    const recipients = members
      .map((row) => row.user_id)
      .filter((userId) => userId !== pdu.sender && serverNameOf(userId) === serverName);
    const invitee =
      pdu.type === EventType.RoomMember && pdu.content.membership === "invite" ? pdu.state_key : undefined;
    if (invitee !== undefined && serverNameOf(invitee) === serverName && !recipients.includes(invitee))
      recipients.push(invitee);
    if (recipients.length === 0) return;

    const row = stores.rooms.selectRoom(roomId);
    const version = row ? roomVersion(row.room_version) : undefined;
    const create = room.currentStateEvent(roomId, EventType.RoomCreate, "");
    if (!version || !create) return;
    const powerLevels = room.currentStateEvent(roomId, EventType.RoomPowerLevels, "");
    const displayNames = new Map(
      members.flatMap((member) => (member.displayname === null ? [] : [[member.user_id, member.displayname] as const])),
    );
    const contextFor = pushContextsFor(pdu.sender, {
      version,
      createEvent: create.pdu,
      powerLevels: powerLevels ? parsePowerLevels(powerLevels.pdu.content, version) : undefined,
      memberCount: members.length,
      displayNames,
    });
    const pushEvent: PushEvent = {
      type: pdu.type,
      sender: pdu.sender,
      content: pdu.content,
      room_id: roomId,
      ...(pdu.state_key !== undefined ? { state_key: pdu.state_key } : {}),
    };
    const notified = notifications.notificationActionsFor(pushEvent, recipients, contextFor);
    if (notified.length === 0) return;
    notifications.incrementCounts(roomId, event.stream_ordering, event.thread_id, notified);
    notifiedOf.set(event, { pushEvent, notified });
  };

  const sendToGateway: AfterCommitHook = (event) => {
    const pending = notifiedOf.get(event);
    if (pending) void gateway.pushEvent({ event_id: event.event_id, ...pending.pushEvent }, pending.notified);
  };

  return { evaluate, sendToGateway };
}
