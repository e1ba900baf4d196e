/**
 * A small leveled logger writing one line per record to stderr. The level comes from the
 * config's `log` key, which in Conduit is a tracing filter such as "warn,state_res=info":
 * we honour its default level.
 */
export type LogLevel = "error" | "warn" | "info" | "debug";

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  readonly level: LogLevel;
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  enabled(level: LogLevel): boolean;
}

export function parseLogLevel(filter: string): LogLevel {
  for (const part of filter.split(",")) {
    const directive = part.trim().toLowerCase();
    if (directive.includes("=")) continue;
    if (directive === "trace") return "debug";
    if (directive in ORDER) return directive as LogLevel;
  }
  return "info";
}

function format(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => ` ${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join("");
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const log =
    (at: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[at] > ORDER[level]) return;
      write(`${new Date().toISOString()} ${at.toUpperCase().padEnd(5)} ${message}${format(fields)}\n`);
    };
  return {
    level,
    error: log("error"),
    warn: log("warn"),
    info: log("info"),
    debug: log("debug"),
    enabled: (at) => ORDER[at] <= ORDER[level],
  };
}
