#!/usr/bin/env bun
/**
 * Provisions the peers the test suite runs against (`npm test` runs this first): real
 * programs the tests start, never fakes of them. A missing peer fails its tests rather
 * than skipping them, so this checks for every peer before the suite starts and either
 * installs what is missing (as root on Debian, where that is the whole CI setup) or stops
 * at once with the exact command to run.
 *
 * To add a peer (the Synapse federation peer next), add an entry to PEERS.
 */
import { existsSync } from "node:fs";

export interface Peer {
  /** What the tests use it for, in the message when it is missing. */
  purpose: string;
  /** The programs the tests run; the peer is present when all are on PATH. */
  binaries: string[];
  /** The Debian packages that provide them. */
  debianPackages: string[];
}

export const PEERS: Peer[] = [
  {
    purpose: "TURN allocations in the Element Call tests",
    binaries: ["turnserver", "turnutils_uclient"],
    debianPackages: ["coturn"],
  },
  { purpose: "TLS certificates for the fake remote homeserver", binaries: ["openssl"], debianPackages: ["openssl"] },
];

export interface Host {
  /** Finds a program on PATH. */
  which: (binary: string) => string | null;
  isRoot: boolean;
  isDebian: boolean;
  /** BUNDUIT_PROVISION=0 forbids installing (a developer who wants to be asked). */
  installAllowed: boolean;
}

export type Decision =
  | { action: "none" }
  | { action: "install"; packages: string[]; commands: string[][] }
  | { action: "stop"; message: string };

const APT_ENV_PREFIX = ["env", "DEBIAN_FRONTEND=noninteractive"];
// Another apt run (a second checkout's tests, unattended upgrades) holds the lock for a while: wait for it.
const APT_LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=600"];

export function aptCommands(packages: string[]): string[][] {
  return [
    [...APT_ENV_PREFIX, "apt-get", ...APT_LOCK_WAIT, "update"],
    [...APT_ENV_PREFIX, "apt-get", ...APT_LOCK_WAIT, "install", "-y", "--no-install-recommends", ...packages],
  ];
}

export function missingPeers(host: Pick<Host, "which">, peers: Peer[] = PEERS): Peer[] {
  return peers.filter((peer) => peer.binaries.some((binary) => host.which(binary) === null));
}

/** What to do about the missing peers on this host: nothing, install them, or stop and say how. */
export function decide(host: Host, peers: Peer[] = PEERS): Decision {
  const missing = missingPeers(host, peers);
  if (missing.length === 0) return { action: "none" };
  const packages = [...new Set(missing.flatMap((peer) => peer.debianPackages))];
  if (host.isDebian && host.isRoot && host.installAllowed)
    return { action: "install", packages, commands: aptCommands(packages) };
  const what = missing.map((peer) => `  ${peer.binaries.join(", ")} (${peer.purpose})`).join("\n");
  const how = host.isDebian
    ? `Install them with:\n  ${host.isRoot ? "" : "sudo "}apt-get update && ${host.isRoot ? "" : "sudo "}apt-get install -y --no-install-recommends ${packages.join(" ")}`
    : `Install them with your system's package manager (Debian packages: ${packages.join(" ")}) so that they are on PATH.`;
  return {
    action: "stop",
    message: `The test suite needs programs that are not installed:\n${what}\n${how}\nThen run npm test again.`,
  };
}

export function currentHost(): Host {
  return {
    which: (binary) => Bun.which(binary),
    isRoot: process.getuid?.() === 0,
    isDebian: existsSync("/etc/debian_version") && Bun.which("apt-get") !== null,
    installAllowed: process.env.BUNDUIT_PROVISION !== "0",
  };
}

/** Carries out the decision; returns the exit code. */
export function provision(host: Host = currentHost()): number {
  const decision = decide(host);
  if (decision.action === "none") return 0;
  if (decision.action === "stop") {
    process.stderr.write(`${decision.message}\n`);
    return 1;
  }
  process.stderr.write(`npm test: installing the peers the tests need: ${decision.packages.join(" ")}\n`);
  for (const command of decision.commands) {
    process.stderr.write(`$ ${command.join(" ")}\n`);
    const result = Bun.spawnSync(command, { stdout: "inherit", stderr: "inherit" });
    if (result.exitCode !== 0) {
      process.stderr.write(`npm test: "${command.join(" ")}" failed with exit code ${result.exitCode}\n`);
      return 1;
    }
  }
  const stillMissing = missingPeers(host);
  if (stillMissing.length > 0) {
    process.stderr.write(
      `npm test: still missing after the install: ${stillMissing.flatMap((peer) => peer.binaries).join(", ")}\n`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) process.exit(provision());
