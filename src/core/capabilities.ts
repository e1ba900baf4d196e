/**
 * GET /capabilities: what this server lets the requesting user do. Guests get the spec's
 * restricted set (display name only; no password).
 * https://spec.matrix.org/v1.19/client-server-api/#capabilities-negotiation
 */
import { DEFAULT_ROOM_VERSION, ROOM_VERSIONS } from "../matrix/room-versions.ts";
import type { Requester } from "./requester.ts";

export function capabilities(requester: Requester): Record<string, unknown> {
  const full = !requester.is_guest;
  return {
    "m.change_password": { enabled: full },
    "m.room_versions": {
      default: DEFAULT_ROOM_VERSION,
      available: Object.fromEntries(Object.keys(ROOM_VERSIONS).map((id) => [id, "stable"])),
    },
    "m.set_displayname": { enabled: true },
    "m.set_avatar_url": { enabled: full },
    "m.profile_fields": full ? { enabled: true } : { enabled: true, allowed: ["displayname"] },
    "m.3pid_changes": { enabled: false },
    "m.get_login_token": { enabled: false },
  };
}
