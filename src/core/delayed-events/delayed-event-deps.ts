/** What the delayed-events modules share: their store, the room engine's sending, the clock. */
import type { Config } from "../../config.ts";
import { MatrixError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { RateLimiter } from "../rate-limits.ts";
import type { RoomSending } from "../rooms/index.ts";

export interface DelayedEventsDeps {
  config: Pick<Config, "delayed_events">;
  stores: Pick<Stores, "delayedEvents" | "write" | "transaction" | "savepoint" | "rooms" | "memberships">;
  sending: RoomSending;
  clock: Clock;
  logger: Logger;
  limiters: { message: RateLimiter; management: RateLimiter };
}

/** The delay_id the client never gave or that is gone: the management endpoints' 404. */
export const delayedEventNotFound = () => new MatrixError("M_NOT_FOUND", "Delayed event not found");

/** A thrown error as the standard error response stored with a delayed event that failed to be sent. */
export function errorResponseOf(error: unknown): Record<string, unknown> {
  if (error instanceof MatrixError) return error.toJSON();
  return { errcode: "M_UNKNOWN", error: "Internal server error" };
}
