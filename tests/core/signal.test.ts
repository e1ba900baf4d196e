import { expect, test } from "bun:test";
import { createSignal } from "../../src/core/signal.ts";
import { createUser } from "../support/fixtures.ts";
import { createTestServer } from "../support/server.ts";

function recordingLogger() {
  const errors: { message: string; fields: Record<string, unknown> | undefined }[] = [];
  return {
    errors,
    logger: { error: (message: string, fields?: Record<string, unknown>) => void errors.push({ message, fields }) },
  };
}

test("every listener hears each value in order, a failing one is logged and the others still run", () => {
  const { errors, logger } = recordingLogger();
  const signal = createSignal<number>("tested", logger);
  const heard: string[] = [];
  signal.subscribe((value) => heard.push(`a${value}`));
  signal.subscribe(() => {
    throw new Error("listener bug");
  });
  signal.subscribe((value) => heard.push(`c${value}`));
  expect(() => signal.emit(1)).not.toThrow();
  signal.emit(2);
  expect(heard).toEqual(["a1", "c1", "a2", "c2"]);
  expect(errors.map((e) => e.message)).toEqual(["a listener of tested failed", "a listener of tested failed"]);
  expect(String(errors[0]!.fields?.error)).toContain("listener bug");
});

test("an unsubscribed listener hears nothing more", () => {
  const signal = createSignal<string>("tested", recordingLogger().logger);
  const heard: string[] = [];
  const unsubscribe = signal.subscribe((value) => heard.push(value));
  signal.emit("before");
  unsubscribe();
  signal.emit("after");
  expect(heard).toEqual(["before"]);
});

test("a failing listener of an account signal does not fail the request that emitted it", async () => {
  const server = createTestServer();
  const user = await createUser(server, "sam");
  server.services.signals.profileChanged.subscribe(() => {
    throw new Error("listener bug");
  });
  const res = await server.put(
    `/_matrix/client/v3/profile/${encodeURIComponent(user.user_id)}/displayname`,
    { displayname: "Sam" },
    { token: user.access_token },
  );
  expect(res.status).toBe(200);
  expect((await server.get(`/_matrix/client/v3/profile/${encodeURIComponent(user.user_id)}/displayname`)).body).toEqual(
    { displayname: "Sam" },
  );
});
