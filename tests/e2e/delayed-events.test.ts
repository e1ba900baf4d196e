/**
 * matrix-js-sdk's delayed-event calls (MSC4140) against a real bunduit process: the
 * requests MatrixRTC's MembershipManager makes for Element Call's delayed leave, and the
 * errors it reads (M_NOT_FOUND on restart, the unstable M_MAX_DELAY_EXCEEDED). The full
 * MatrixRTC session needs /sync, which is not built yet.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createClient, Direction, MatrixError, type MatrixClient } from "matrix-js-sdk";
import { UpdateDelayedEventAction } from "matrix-js-sdk/lib/@types/requests.js";
import { logger } from "matrix-js-sdk/lib/logger.js";
import { until } from "../support/wait.ts";
import { createUser } from "../support/fixtures.ts";
import { createRoom } from "../support/rooms.ts";
import { createTestServer, startServerProcess, tempDir, type ServerProcess } from "../support/server.ts";

const CALL_MEMBER = "org.matrix.msc3401.call.member";
const dir = tempDir();
let server: ServerProcess;
let client: MatrixClient;
let roomId: string;
let stateKey: string;

beforeAll(async () => {
  (logger as unknown as { disableAll(): void }).disableAll();
  // The account and the room are made through the core services on the same database file.
  const data = join(dir.path, "data");
  const local = createTestServer({}, { databasePath: data });
  const user = await createUser(local, undefined, null);
  roomId = await createRoom(local, user, { preset: "private_chat" });
  local.close();
  server = await startServerProcess({ dir: dir.path });
  client = createClient({
    baseUrl: server.url,
    accessToken: user.access_token,
    userId: user.user_id,
    deviceId: user.device_id,
  });
  stateKey = `_${user.user_id}_${user.device_id}_m.call`;
});
afterAll(async () => {
  client.stopClient();
  await server.stop();
  dir.remove();
});

async function errorOf(promise: Promise<unknown>): Promise<MatrixError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MatrixError) return error;
    throw error;
  }
  throw new Error("expected a MatrixError");
}

describe("matrix-js-sdk's delayed events", () => {
  test("the delayed leave: schedule, join, restart (both forms), list, send; then restart is M_NOT_FOUND", async () => {
    const { delay_id: delayId } = await client._unstable_sendDelayedStateEvent(
      roomId,
      { delay: 60_000 },
      CALL_MEMBER as never,
      {} as never,
      stateKey,
    );
    await client.sendStateEvent(roomId, CALL_MEMBER as never, { application: "m.call" } as never, stateKey);

    await client._unstable_restartScheduledDelayedEvent(delayId);
    await client._unstable_updateDelayedEvent(delayId, UpdateDelayedEventAction.Restart);
    const info = await client._unstable_getDelayedEvents();
    // DelayedEventInfoItem is a union the sdk's typings cannot narrow here; the fields are read as sent.
    expect(
      info.scheduled?.map((e) => ({ ...e }) as Record<string, unknown>).map((e) => [e.delay_id, e.state_key, e.delay]),
    ).toEqual([[delayId, stateKey, 60_000]]);

    await client._unstable_sendScheduledDelayedEvent(delayId);
    expect(await client.getStateEvent(roomId, CALL_MEMBER, stateKey)).toEqual({});
    const gone = await errorOf(client._unstable_restartScheduledDelayedEvent(delayId));
    expect([gone.httpStatus, gone.errcode]).toEqual([404, "M_NOT_FOUND"]);
  });

  test("a delay over the maximum is the error MembershipManager lowers its delay on", async () => {
    const error = await errorOf(
      client._unstable_sendDelayedStateEvent(
        roomId,
        { delay: 86_400_001 },
        CALL_MEMBER as never,
        {} as never,
        stateKey,
      ),
    );
    expect(error.errcode).toBe("M_UNKNOWN");
    expect(error.data["org.matrix.msc4140.errcode"]).toBe("M_MAX_DELAY_EXCEEDED");
    expect(error.data["org.matrix.msc4140.max_delay"]).toBe(86_400_000);
  });

  test("a delayed message event is sent when due; cancel drops one", async () => {
    const { delay_id: kept } = await client._unstable_sendDelayedEvent(
      roomId,
      { delay: 300 },
      null,
      "com.example.test" as never,
      { body: "later" } as never,
    );
    const { delay_id: dropped } = await client._unstable_sendDelayedEvent(
      roomId,
      { delay: 300 },
      null,
      "com.example.test" as never,
      { body: "never" } as never,
    );
    await client._unstable_cancelScheduledDelayedEvent(dropped);
    expect(kept).not.toBe(dropped);
    const sentTypes = async () =>
      (await client.createMessagesRequest(roomId, null, 10, Direction.Backward)).chunk.filter(
        (e) => e.type === "com.example.test",
      );
    // The kept one falls due after 300 ms; the dropped one was due at the same time.
    await until("the kept event to be sent", async () => (await sentTypes()).length > 0);
    const page = await client.createMessagesRequest(roomId, null, 10, Direction.Backward);
    expect(page.chunk.filter((e) => e.type === "com.example.test").map((e) => e.content)).toEqual([{ body: "later" }]);
  });
});
