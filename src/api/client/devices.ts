/**
 * Device management.
 * https://spec.matrix.org/v1.19/client-server-api/#device-management
 */
import { Elysia, t } from "elysia";
import type { Services } from "../../core/services.ts";
import { auth } from "../plugins/auth.ts";
import { clientAddress } from "../plugins/client-address.ts";
import { AuthData, CLIENT_V3, Empty } from "../schemas/common.ts";

const tags = ["Device management"];

const Device = t.Object({
  device_id: t.String(),
  display_name: t.Optional(t.String()),
  last_seen_ip: t.Optional(t.String()),
  last_seen_ts: t.Optional(t.Integer()),
});

export const deviceRoutes = (services: Pick<Services, "sessions" | "devices" | "accountManagement">) =>
  new Elysia()
    .use(auth(services))
    .get(`${CLIENT_V3}/devices`, ({ requester }) => ({ devices: services.devices.list(requester.user_id) }), {
      auth: "guest",
      response: t.Object({ devices: t.Array(Device) }),
      detail: {
        summary: "GET /_matrix/client/v3/devices",
        description:
          "The user's devices, with last-seen data as fresh as the last request (including what is not yet written to disk).",
        tags,
      },
    })
    .get(
      `${CLIENT_V3}/devices/:deviceId`,
      ({ requester, params }) => services.devices.get(requester.user_id, params.deviceId),
      {
        auth: "guest",
        params: t.Object({ deviceId: t.String() }),
        response: Device,
        detail: {
          summary: "GET /_matrix/client/v3/devices/{deviceId}",
          description: "One of the user's devices; 404 M_NOT_FOUND if unknown.",
          tags,
        },
      },
    )
    .put(
      `${CLIENT_V3}/devices/:deviceId`,
      ({ requester, params, body, status }) =>
        services.devices.put(requester, params.deviceId, body.display_name).created ? status(201, {}) : {},
      {
        auth: "guest",
        params: t.Object({ deviceId: t.String() }),
        body: t.Object({ display_name: t.Optional(t.String()) }),
        response: { 200: Empty, 201: Empty },
        detail: {
          summary: "PUT /_matrix/client/v3/devices/{deviceId}",
          description:
            "Renames one of the user's devices; 404 M_NOT_FOUND if unknown. An application service acting as one of its users " +
            "creates the device when it does not exist and gets 201 (spec v1.17, MSC4190).",
          tags,
        },
      },
    )
    .delete(
      `${CLIENT_V3}/devices/:deviceId`,
      async ({ requester, params, body, request, server }) => {
        await services.accountManagement.deleteDevices(
          requester,
          [params.deviceId],
          body?.auth,
          clientAddress(request, server, services.sessions.ipSource),
        );
        return {};
      },
      {
        auth: "user",
        params: t.Object({ deviceId: t.String() }),
        body: t.Optional(t.Object({ auth: t.Optional(AuthData) })),
        response: Empty,
        detail: {
          summary: "DELETE /_matrix/client/v3/devices/{deviceId}",
          description:
            "Deletes a device and its tokens after user-interactive auth (m.login.password; none for application services). " +
            "An unknown device counts as deleted.",
          tags,
        },
      },
    )
    .post(
      `${CLIENT_V3}/delete_devices`,
      async ({ requester, body, request, server }) => {
        await services.accountManagement.deleteDevices(
          requester,
          body.devices,
          body.auth,
          clientAddress(request, server, services.sessions.ipSource),
        );
        return {};
      },
      {
        auth: "user",
        body: t.Object({ devices: t.Array(t.String()), auth: t.Optional(AuthData) }),
        response: Empty,
        detail: {
          summary: "POST /_matrix/client/v3/delete_devices",
          description:
            "Deletes several devices and their tokens after user-interactive auth (m.login.password; none for application services).",
          tags,
        },
      },
    );
