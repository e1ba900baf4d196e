/**
 * The client's address, for rate limits and devices' last-seen IPs: the socket's peer, or,
 * behind a reverse proxy, the header the proxy sets (`[global] ip_source`, docs/accounts.md).
 *
 * A header is only as trustworthy as the proxy that writes it: with `ip_source` set, the
 * server's port must be reachable by the proxy alone, or any client can name its address.
 */
import { isIP } from "node:net";
import type { Config } from "../../config.ts";

export type IpSource = Config["ip_source"];

type SocketServer = { requestIP(request: Request): { address: string } | null } | null;

/** `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678` → the bare address, else undefined. */
function bareAddress(value: string): string | undefined {
  if (isIP(value) !== 0) return value;
  const withPort = /^\[([0-9A-Fa-f:.]+)\](?::\d+)?$|^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(value);
  const address = withPort?.[1] ?? withPort?.[2];
  return address !== undefined && isIP(address) !== 0 ? address : undefined;
}

/**
 * The address `source` names, falling back to the socket's peer when the header is absent or
 * not an address (undefined in-process, e.g. in tests, where there is no socket).
 */
export function clientAddress(request: Request, server: SocketServer, source: IpSource): string | null {
  if (source !== "socket") {
    const header = request.headers.get(source);
    if (header !== null) {
      // Proxies append the address they saw to X-Forwarded-For, so only the last entry is the
      // proxy's word; the ones before it came from the client. X-Real-IP holds one address.
      const address = bareAddress(header.slice(header.lastIndexOf(",") + 1).trim());
      if (address !== undefined) return address;
    }
  }
  return server?.requestIP(request)?.address ?? null;
}
