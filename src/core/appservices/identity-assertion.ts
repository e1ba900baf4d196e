/**
 * An as_token authenticates the application service; `?user_id=` makes it act as one of its
 * users and `?device_id=` (spec v1.17; MSC3202's `org.matrix.msc3202.device_id` too) as one
 * of that user's devices. Without user_id it acts as its sender.
 * https://spec.matrix.org/v1.19/application-service-api/#identity-assertion
 *
 * Refusals follow Synapse: a user outside the namespaces, or one that was never registered,
 * is 403 M_FORBIDDEN; an unknown device is 400 M_UNKNOWN_DEVICE.
 */
import { forbidden, MatrixError } from "../../errors.ts";
import type { Stores } from "../../storage/index.ts";
import type { Requester } from "../requester.ts";
import type { AppserviceRegistry } from "./registry.ts";

export function createIdentityAssertion(
  stores: Pick<Stores, "accounts" | "devices">,
  registry: Pick<AppserviceRegistry, "byTokenHash">,
) {
  /** The requester an as_token stands for, or undefined when the token is not an as_token. */
  return function assertIdentity(tokenHash: Uint8Array, query: URLSearchParams): Requester | undefined {
    const appservice = registry.byTokenHash(tokenHash);
    if (!appservice) return undefined;
    const userId = query.get("user_id") ?? appservice.senderUserId;
    if (!appservice.isInterestedInUser(userId))
      throw forbidden(`The application service cannot masquerade as ${userId}: it is not in its user namespaces`);
    const user = stores.accounts.selectUser(userId);
    if (!user || user.deactivated) throw forbidden(`The application service has not registered ${userId}`);
    const deviceId = query.get("device_id") ?? query.get("org.matrix.msc3202.device_id") ?? undefined;
    if (deviceId !== undefined && !stores.devices.selectDevice(userId, deviceId)) {
      throw new MatrixError("M_UNKNOWN_DEVICE", `${userId} has no device ${deviceId}`);
    }
    return {
      user_id: userId,
      // "" stands for no device: operations that need one (key upload) refuse it.
      device_id: deviceId ?? "",
      is_guest: false,
      appservice_id: appservice.id,
      // The spec exempts the sender always, the other users when rate_limited is false.
      exempt_from_rate_limits: userId === appservice.senderUserId || !appservice.registration.rate_limited,
    };
  };
}
