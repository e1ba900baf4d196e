/**
 * Send-to-device messaging.
 * https://spec.matrix.org/v1.19/client-server-api/#send-to-device-messaging
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { Empty } from "../schemas/common.ts";

export const toDeviceRoutes = (services: Services) =>
  new Elysia().use(auth(services)).put(
    "/_matrix/client/v3/sendToDevice/:eventType/:txnId",
    ({ requester, params, body }) => {
      services.toDevice.send(requester, params.eventType, params.txnId, body.messages);
      return {};
    },
    {
      auth: "guest",
      params: t.Object({ eventType: t.String(), txnId: t.String() }),
      body: t.Object({ messages: t.Record(t.String(), t.Record(t.String(), t.Record(t.String(), t.Unknown()))) }),
      response: Empty,
      detail: {
        summary: "PUT /_matrix/client/v3/sendToDevice/{eventType}/{txnId}",
        description:
          "Queues one message per target device (a device id, or * for all of a user's devices), in one transaction. A " +
          "repeated txnId from the same device is answered again without sending twice. Any event type is accepted.",
        tags: ["Send-to-Device messaging"],
      },
    },
  );
