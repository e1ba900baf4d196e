import { describe, expect, test } from "bun:test";
import { clientAddress } from "../../../src/api/plugins/client-address.ts";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

const socket = { requestIP: () => ({ address: "10.0.0.2" }) };
const requestWith = (headers: Record<string, string>) => new Request("http://localhost/", { headers });

describe("clientAddress", () => {
  test('"socket" (the default) ignores what clients put in headers', () => {
    const request = requestWith({ "x-forwarded-for": "192.0.2.1", "x-real-ip": "192.0.2.1" });
    expect(clientAddress(request, socket, "socket")).toBe("10.0.0.2");
  });

  test('"x-forwarded-for" takes the last entry, the one the proxy appended', () => {
    expect(
      clientAddress(requestWith({ "x-forwarded-for": "198.51.100.7, 192.0.2.1" }), socket, "x-forwarded-for"),
    ).toBe("192.0.2.1");
    expect(clientAddress(requestWith({ "x-forwarded-for": "2001:db8::1" }), socket, "x-forwarded-for")).toBe(
      "2001:db8::1",
    );
    expect(clientAddress(requestWith({ "x-forwarded-for": "192.0.2.1:51234" }), socket, "x-forwarded-for")).toBe(
      "192.0.2.1",
    );
    expect(clientAddress(requestWith({ "x-forwarded-for": "[2001:db8::1]:51234" }), socket, "x-forwarded-for")).toBe(
      "2001:db8::1",
    );
  });

  test('"x-real-ip" takes that header', () => {
    expect(
      clientAddress(requestWith({ "x-real-ip": "192.0.2.9", "x-forwarded-for": "192.0.2.1" }), socket, "x-real-ip"),
    ).toBe("192.0.2.9");
  });

  test("a missing header, or one that is not an address, falls back to the socket", () => {
    expect(clientAddress(requestWith({}), socket, "x-forwarded-for")).toBe("10.0.0.2");
    expect(clientAddress(requestWith({ "x-forwarded-for": "192.0.2.1, unknown" }), socket, "x-forwarded-for")).toBe(
      "10.0.0.2",
    );
    expect(clientAddress(requestWith({ "x-real-ip": "" }), null, "x-real-ip")).toBeNull();
  });
});

describe("[global] ip_source", () => {
  const bucket = { per_second: 0.001, burst: 1 };
  const guest = (server: ReturnType<typeof createTestServer>, ip: string) =>
    server.post("/_matrix/client/v3/register?kind=guest", {}, { headers: { "X-Forwarded-For": ip } });

  test("behind a proxy, rate limits count each client address on its own", async () => {
    const server = createTestServer({
      ip_source: "x-forwarded-for",
      allow_guest_registration: true,
      rate_limits: { enabled: true, registration: bucket },
    });
    expect((await guest(server, "192.0.2.1")).status).toBe(200);
    expect((await guest(server, "192.0.2.2")).status).toBe(200);
    expect((await guest(server, "192.0.2.1")).status).toBe(429);
  });

  test("by default the header is ignored: every request comes from the same socket address", async () => {
    const server = createTestServer({
      allow_guest_registration: true,
      rate_limits: { enabled: true, registration: bucket },
    });
    expect((await guest(server, "192.0.2.1")).status).toBe(200);
    expect((await guest(server, "192.0.2.2")).status).toBe(429);
  });

  test("devices' last-seen IP is the proxy's client address", async () => {
    const server = createTestServer({ ip_source: "x-real-ip" });
    const user = await createUser(server);
    await server.get("/_matrix/client/v3/account/whoami", {
      token: user.access_token,
      headers: { "X-Real-IP": "2001:db8::7" },
    });
    const device = await server.get(`/_matrix/client/v3/devices/${user.device_id}`, { token: user.access_token });
    expect(device.body.last_seen_ip).toBe("2001:db8::7");
  });
});
