/** What /proc says about a child process (Linux; NaN elsewhere), for the benches that run bunduit as one. */
import { readFileSync } from "node:fs";

/** A process's user + system CPU time in ms. Clock ticks are 10 ms. */
export function cpuMillis(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** A process's resident memory in MiB. */
export function rssMiB(pid: number): number {
  try {
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return Number(kib) / 1024;
  } catch {
    return Number.NaN;
  }
}
