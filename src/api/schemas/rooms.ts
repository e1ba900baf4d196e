/** Path parameters and small bodies shared by the room routes. */
import { t } from "elysia";
import { MatrixError } from "../../errors.ts";

export const RoomIdOrAliasParam = t.String({ pattern: "^[!#]", description: "A room id or a room alias." });
export const EventIdParam = t.String({ pattern: "^\\$", description: "An event id." });
export const UserIdField = t.String({ pattern: "^@", description: "A user id." });
export const Reason = t.Optional(t.String({ description: "Kept as `reason` in the membership event." }));
export const RoomIdResponse = t.Object({ room_id: t.String() });
export const EventIdResponse = t.Object({ event_id: t.String() });

/** Elysia hands over a `*` wildcard undecoded (named parameters are decoded). */
export function decodeWildcard(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new MatrixError("M_INVALID_PARAM", "Path is not valid percent-encoding");
  }
}
