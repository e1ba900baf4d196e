import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { decide, PEERS, type Host } from "./provision.ts";

const SCRIPT = join(import.meta.dir, "provision.ts");

/** A host on which exactly `installed` programs are on PATH. */
function host(installed: string[], rest: Partial<Omit<Host, "which">> = {}): Host {
  return {
    which: (binary) => (installed.includes(binary) ? `/usr/bin/${binary}` : null),
    isRoot: true,
    isDebian: true,
    installAllowed: true,
    ...rest,
  };
}

const ALL = PEERS.flatMap((peer) => peer.binaries);

describe("tests/peers/provision.ts (npm test runs it first)", () => {
  test("with every peer installed it does nothing and exits 0, silently", () => {
    const result = Bun.spawnSync([process.execPath, SCRIPT], { env: { ...process.env, BUNDUIT_PROVISION: "0" } });
    expect(result.stderr.toString()).toBe("");
    expect(result.exitCode).toBe(0);
    expect(decide(host(ALL))).toEqual({ action: "none" });
  });

  test("as root on Debian it installs only the missing packages, apt-get update first, waiting for another apt's lock", () => {
    const decision = decide(host(ALL.filter((binary) => binary !== "turnutils_uclient")));
    expect(decision.action).toBe("install");
    if (decision.action !== "install") return;
    expect(decision.packages).toEqual(["coturn"]);
    expect(decision.commands.map((c) => c.slice(c.indexOf("apt-get")))).toEqual([
      ["apt-get", "-o", "DPkg::Lock::Timeout=600", "update"],
      ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends", "coturn"],
    ]);
    expect(decision.commands[1]).toContain("DEBIAN_FRONTEND=noninteractive");
  });

  test("when it may not install, it stops with the exact command to run", () => {
    const notRoot = decide(host(["openssl"], { isRoot: false }));
    expect(notRoot.action).toBe("stop");
    if (notRoot.action !== "stop") return;
    expect(notRoot.message).toContain("turnserver, turnutils_uclient");
    expect(notRoot.message).toContain(
      "sudo apt-get update && sudo apt-get install -y --no-install-recommends coturn\n",
    );

    const forbidden = decide(host([], { installAllowed: false }));
    expect(forbidden.action === "stop" && forbidden.message).toContain(
      "  apt-get update && apt-get install -y --no-install-recommends coturn openssl\n",
    );

    const elsewhere = decide(host([], { isDebian: false }));
    expect(elsewhere.action === "stop" && elsewhere.message).toContain("Debian packages: coturn openssl");
  });

  test("run as a process where no peer (nor apt-get) is on PATH, it exits 1 at once and names the packages", () => {
    // bun itself is run by absolute path.
    const result = Bun.spawnSync([process.execPath, SCRIPT], { env: { ...process.env, PATH: "/nonexistent" } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.toString()).toContain("turnserver, turnutils_uclient");
    expect(result.stderr.toString()).toContain("Debian packages: coturn openssl");
  });
});
