/**
 * matrix-js-sdk against a real bunduit process: registration through user-interactive
 * auth (the registration-token stage), login, whoami, renaming a device, logout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  AuthType,
  createClient,
  InteractiveAuth,
  MatrixError,
  type AuthDict,
  type RegisterResponse,
} from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";
import { startServerProcess, tempDir, type ServerProcess } from "../support/server.ts";

const TOKEN = "e2e-registration-token";
let dir: ReturnType<typeof tempDir>;
let server: ServerProcess;

beforeAll(async () => {
  // The sdk logs every request through loglevel, whose typings here omit disableAll.
  (logger as unknown as { disableAll(): void }).disableAll();
  dir = tempDir();
  server = await startServerProcess({
    dir: dir.path,
    toml:
      `[global]\nserver_name = "test.local"\ndatabase_path = "${join(dir.path, "data")}"\nport = 0\n` +
      `allow_registration = true\nregistration_token = "${TOKEN}"\n[global.rate_limits]\nenabled = false\n`,
  });
});

afterAll(async () => {
  await server.stop();
  dir.remove();
});

describe("matrix-js-sdk", () => {
  test("registers through UIA, logs in, renames its device, logs out and finds its token dead", async () => {
    const anonymous = createClient({ baseUrl: server.url });
    const stagesSeen: string[] = [];
    const auth = new InteractiveAuth<RegisterResponse>({
      matrixClient: anonymous,
      doRequest: (authDict: AuthDict | null) =>
        anonymous.registerRequest({
          username: "sdkuser",
          password: "a good password",
          initial_device_display_name: "registration",
          ...(authDict ? { auth: authDict } : {}),
        }),
      stateUpdated: (stage) => {
        stagesSeen.push(stage);
        if (stage === AuthType.RegistrationToken)
          void auth.submitAuthDict({ type: AuthType.RegistrationToken, token: TOKEN });
      },
      requestEmailToken: () => Promise.reject(new Error("no email here")),
    });
    const registered = await auth.attemptAuth();
    expect(stagesSeen).toContain(AuthType.RegistrationToken);
    expect(registered.user_id).toBe("@sdkuser:test.local");
    expect(registered.access_token).toBeString();

    const login = await anonymous.loginRequest({
      type: "m.login.password",
      identifier: { type: "m.id.user", user: "sdkuser" },
      password: "a good password",
      initial_device_display_name: "e2e laptop",
    });
    const client = createClient({
      baseUrl: server.url,
      accessToken: login.access_token,
      userId: login.user_id,
      deviceId: login.device_id,
    });

    const whoami = await client.whoami();
    expect(whoami).toEqual({ user_id: "@sdkuser:test.local", device_id: login.device_id, is_guest: false });

    await client.setDeviceDetails(login.device_id, { display_name: "renamed by the sdk" });
    const { devices } = await client.getDevices();
    expect(devices.find((d) => d.device_id === login.device_id)?.display_name).toBe("renamed by the sdk");
    expect(devices.map((d) => d.device_id)).toContain(registered.device_id!);

    const capabilities = await client.getCapabilities();
    expect(capabilities["m.room_versions"]?.default).toBe("12");
    expect((await client.getPushRules())?.global?.override?.[0]?.rule_id).toBe(".m.rule.master");

    await client.logout();
    const dead = createClient({
      baseUrl: server.url,
      accessToken: login.access_token,
      userId: login.user_id,
      deviceId: login.device_id,
    });
    const error = await dead.whoami().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MatrixError);
    expect((error as MatrixError).errcode).toBe("M_UNKNOWN_TOKEN");
    expect((error as MatrixError).httpStatus).toBe(401);
  });
});
