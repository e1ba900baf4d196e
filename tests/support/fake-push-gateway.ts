/**
 * A push gateway on loopback (Bun.serve, port 0) that records every /notify request and
 * answers as the test tells it: a status, and which pushkeys to reject.
 */
import { closeAfterUse } from "./teardown.ts";

export interface FakePushGateway {
  url: string;
  requests: { notification: Record<string, any> }[];
  /** Answers the next requests with these statuses (then 200). */
  failNext: (...statuses: number[]) => void;
  reject: (pushkey: string) => void;
  stop: () => Promise<void>;
}

export function startFakePushGateway(): FakePushGateway {
  const requests: FakePushGateway["requests"] = [];
  const failures: number[] = [];
  const rejected = new Set<string>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      if (new URL(request.url).pathname !== "/_matrix/push/v1/notify" || request.method !== "POST") {
        return Response.json({ errcode: "M_UNRECOGNIZED" }, { status: 404 });
      }
      const body = (await request.json()) as FakePushGateway["requests"][number];
      requests.push(body);
      const status = failures.shift();
      if (status !== undefined) return new Response("unavailable", { status });
      const pushkeys = (body.notification.devices as { pushkey: string }[]).map((d) => d.pushkey);
      return Response.json({ rejected: pushkeys.filter((key) => rejected.has(key)) });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/_matrix/push/v1/notify`,
    requests,
    failNext: (...statuses) => failures.push(...statuses),
    reject: (pushkey) => rejected.add(pushkey),
    stop: closeAfterUse(() => server.stop(true)),
  };
}
