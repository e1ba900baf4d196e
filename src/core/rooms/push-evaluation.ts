/**
 * Push rules on append: inside the transaction that stores an event, each local joined member
 * but the sender (and the local user an invite is for) is evaluated against their push rules
 * and the notifications are counted, so unread counts reach the same /sync as the event. After
 * the commit the notified users' pushers hear of it through the push gateway.
 * https://spec.matrix.org/v1.19/client-server-api/#push-notifications
 */
import { EventType } from "../../matrix/event-types.ts";
import { serverNameOf } from "../../matrix/ids.ts";
import { parsePowerLevels } from "../../matrix/power-levels.ts";
import { pushContextsFor } from "../../matrix/push-rules.ts";
import type { Notifications } from "../push/notifications.ts";
import type { GatewaySender } from "../push/gateway-sender.ts";
import type { AppendResult, RoomEngine } from "./room-engine.ts";
import type { RoomStores } from "./room-deps.ts";

export interface PushEvaluationDeps {
  stores: Pick<RoomStores, "rooms" | "memberships">;
  engine: RoomEngine;
  serverName: string;
  notifications: Pick<Notifications, "notificationActionsFor" | "incrementCounts">;
  gateway: Pick<GatewaySender, "pushEvent">;
}

export function evaluatePushOnAppend({ stores, engine, serverName, notifications, gateway }: PushEvaluationDeps) {
  return (event: AppendResult): (() => void) | void => {
    const { pdu, room_id: roomId } = event;
    const members = stores.memberships.selectMembersOfRoom(roomId, "join");
    const recipients = members.map((row) => row.user_id).filter((userId) => userId !== pdu.sender && serverNameOf(userId) === serverName);
    const invitee = pdu.type === EventType.RoomMember && pdu.content.membership === "invite" ? pdu.state_key : undefined;
    if (invitee !== undefined && serverNameOf(invitee) === serverName && !recipients.includes(invitee)) recipients.push(invitee);
    if (recipients.length === 0) return;

    const room = stores.rooms.selectRoom(roomId);
    const create = engine.currentStateEvent(roomId, EventType.RoomCreate, "");
    if (!room || !create) return;
    const version = engine.versionOf(room);
    const powerLevels = engine.currentStateEvent(roomId, EventType.RoomPowerLevels, "");
    const displayNames = new Map(members.flatMap((row) => (row.displayname === null ? [] : [[row.user_id, row.displayname] as const])));
    const contextFor = pushContextsFor(pdu.sender, {
      version,
      createEvent: create.pdu,
      powerLevels: powerLevels ? parsePowerLevels(powerLevels.pdu.content, version) : undefined,
      memberCount: members.length,
      displayNames,
    });
    const pushEvent = { type: pdu.type, sender: pdu.sender, content: pdu.content, room_id: roomId, ...(pdu.state_key !== undefined ? { state_key: pdu.state_key } : {}) };
    const notified = notifications.notificationActionsFor(pushEvent, recipients, contextFor);
    if (notified.length === 0) return;
    notifications.incrementCounts(roomId, event.stream_ordering, event.thread_id, notified);
    return () => void gateway.pushEvent({ event_id: event.event_id, ...pushEvent }, notified);
  };
}
