/**
 * matrix-js-sdk clients for the end-to-end tests: registered through user-interactive auth
 * (m.login.dummy) against a real server process, with the sdk's own logging silenced.
 */
import { createClient, type MatrixClient } from "matrix-js-sdk";
import type { Logger } from "matrix-js-sdk/lib/logger.js";

/** The sdk logs every request and sync step; the tests read their own assertions. */
export const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  getChild: () => silentLogger,
};

export async function registerSdkClient(
  baseUrl: string,
  username: string,
  password = "a good password",
): Promise<MatrixClient> {
  const anonymous = createClient({ baseUrl, logger: silentLogger });
  // The first request answers 401 with the user-interactive auth session; m.login.dummy completes it.
  const session = await anonymous.registerRequest({ username, password }).then(
    () => undefined,
    (error: { data?: { session?: string } }) => error.data?.session,
  );
  const done = await anonymous.registerRequest({ username, password, auth: { type: "m.login.dummy", session } });
  return createClient({
    baseUrl,
    accessToken: done.access_token!,
    userId: done.user_id,
    deviceId: done.device_id!,
    logger: silentLogger,
  });
}

/** conduit.toml for a server real clients register on: open registration, no rate limits. */
export function openRegistrationToml(dir: string): string {
  return `[global]\nserver_name = "test.local"\ndatabase_path = "${dir}/data"\nport = 0\nallow_registration = true\n[global.rate_limits]\nenabled = false\n`;
}
