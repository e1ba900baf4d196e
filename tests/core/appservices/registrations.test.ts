import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { RegistrationError } from "../../../src/core/appservices/registration-file.ts";
import { registration } from "../../support/fake-appservice.ts";
import { createUser } from "../../support/fixtures.ts";
import { createTestServer, tempDir } from "../../support/server.ts";

function rejection(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof RegistrationError) return error.problems;
    throw error;
  }
  throw new Error("expected a RegistrationError");
}

describe("registering an appservice", () => {
  test("stores it without its as_token and creates its sender", () => {
    const server = createTestServer();
    const as = registration();
    expect(server.services.appservices.registrations.register(as, "test")).toEqual({ created: true });
    const sender = server.stores.accounts.selectUser(`@${as.sender_localpart}:test.local`);
    expect(sender).toMatchObject({ appservice_id: as.id, password_hash: null });
    const row = server.stores.appservices.selectAppservice(as.id)!;
    expect(row.registration).not.toContain(as.as_token);
    expect(server.services.appservices.registry.get(as.id)?.senderUserId).toBe(`@${as.sender_localpart}:test.local`);
  });

  test("duplicate ids and tokens are refused; --replace updates in place", () => {
    const server = createTestServer();
    const { registrations } = server.services.appservices;
    const first = registration();
    registrations.register(first, "one.yaml");
    expect(rejection(() => registrations.register({ ...first, sender_localpart: "other" }, "two.yaml"))[0]).toContain(
      "is already registered (from one.yaml)",
    );
    const sameAs = registration({ as_token: first.as_token });
    expect(rejection(() => registrations.register(sameAs, "three.yaml"))).toContain(
      `as_token is already the as_token of appservice ${first.id}`,
    );
    const sameHs = registration({ hs_token: first.hs_token });
    expect(rejection(() => registrations.register(sameHs, "four.yaml"))).toContain(
      `hs_token is already the hs_token of appservice ${first.id}`,
    );
    const crossed = registration({ as_token: first.hs_token });
    expect(rejection(() => registrations.register(crossed, "five.yaml"))).toContain(
      `as_token is the hs_token of appservice ${first.id}`,
    );
    expect(registrations.register({ ...first, url: "http://127.0.0.1:9" }, "one.yaml", { replace: true })).toEqual({
      created: false,
    });
    expect(server.services.appservices.registry.get(first.id)?.registration.url).toBe("http://127.0.0.1:9");
  });

  test("an as_token that is a user's access token is refused", async () => {
    const server = createTestServer();
    const user = await createUser(server);
    expect(
      rejection(() =>
        server.services.appservices.registrations.register(registration({ as_token: user.access_token }), "x.yaml"),
      ),
    ).toContain("as_token is a user's access token; generate a new random token");
  });

  test("overlapping exclusive namespaces are refused and leave nothing behind", () => {
    const server = createTestServer();
    const { registrations } = server.services.appservices;
    registrations.register(
      registration({ namespaces: { users: [{ regex: "@_irc_.*", exclusive: true }] } }),
      "irc.yaml",
    );
    const clashing = registration({
      sender_localpart: "clash_bot",
      namespaces: { users: [{ regex: "@_irc_freenode_.*", exclusive: true }] },
    });
    const found = rejection(() => registrations.register(clashing, "clash.yaml"));
    expect(found[0]).toContain('exclusive users namespace "@_irc_freenode_.*" overlaps');
    expect(server.stores.appservices.selectAppservice(clashing.id)).toBeUndefined();
    expect(server.stores.accounts.selectUser("@clash_bot:test.local")).toBeNull();
  });

  test("a sender owned by another appservice is refused", () => {
    const server = createTestServer();
    const first = registration();
    server.services.appservices.registrations.register(first, "a.yaml");
    const found = rejection(() =>
      server.services.appservices.registrations.register(
        registration({ sender_localpart: first.sender_localpart, namespaces: {} }),
        "b.yaml",
      ),
    );
    expect(found.join()).toContain(`@${first.sender_localpart}:test.local`);
  });

  test("unregistering drops the registration and its queue but keeps the users", () => {
    const server = createTestServer();
    const as = registration({ url: "http://127.0.0.1:9" });
    server.services.appservices.registrations.register(as, "a.yaml");
    server.stores.transaction(() => server.services.appservices.queue.insert(as.id, "ephemeral", "{}"));
    expect(server.services.appservices.registrations.unregister(as.id)).toBe(true);
    expect(server.stores.appserviceQueue.countOutbox(as.id)).toBe(0);
    expect(server.stores.accounts.selectUser(`@${as.sender_localpart}:test.local`)).not.toBeNull();
    expect(server.services.appservices.registrations.unregister(as.id)).toBe(false);
  });
});

describe("app_service_config_files", () => {
  test("are registered at start; a file dropped from the list is unregistered at the next start", () => {
    const dir = tempDir();
    try {
      const a = registration();
      const b = registration();
      // JSON is YAML.
      writeFileSync(join(dir.path, "a.yaml"), JSON.stringify(a));
      writeFileSync(join(dir.path, "b.yaml"), JSON.stringify(b));
      const data = join(dir.path, "data");
      const first = createTestServer(
        { database_path: data, app_service_config_files: [join(dir.path, "a.yaml"), join(dir.path, "b.yaml")] },
        { databasePath: data },
      );
      expect(
        first.services.appservices.registry
          .list()
          .map((x) => x.id)
          .sort(),
      ).toEqual([a.id, b.id].sort());
      first.close();
      const second = createTestServer({ app_service_config_files: [join(dir.path, "a.yaml")] }, { databasePath: data });
      expect(second.services.appservices.registry.list().map((x) => x.id)).toEqual([a.id]);
      second.close();
    } finally {
      dir.remove();
    }
  });

  test("a bad file stops the start with its name and problem", () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, "bad.yaml"), "id: x\n");
      expect(() => createTestServer({ app_service_config_files: [join(dir.path, "bad.yaml")] })).toThrow(
        /bad\.yaml: url is missing/,
      );
      expect(() => createTestServer({ app_service_config_files: [join(dir.path, "missing.yaml")] })).toThrow(
        /missing\.yaml: cannot read the file \(ENOENT\)/,
      );
    } finally {
      dir.remove();
    }
  });
});

describe("changes from another process", () => {
  test("a running server picks up a registration another connection committed", () => {
    const dir = tempDir();
    try {
      const running = createTestServer({}, { databasePath: dir.path });
      const cli = createTestServer({}, { databasePath: dir.path });
      const as = registration();
      cli.services.appservices.registrations.register(as, "cli");
      expect(running.services.appservices.registry.get(as.id)).toBeUndefined();
      expect(running.services.appservices.registry.reloadIfChanged()).toBe(true);
      expect(running.services.appservices.registry.get(as.id)?.id).toBe(as.id);
      expect(running.services.appservices.registry.reloadIfChanged()).toBe(false);
      cli.close();
      running.close();
    } finally {
      dir.remove();
    }
  });
});
