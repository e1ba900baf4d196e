#!/usr/bin/env bun
/**
 * The process edge: arguments, configuration, the database, listening and signals.
 * Everything else is built by createApp. The server and the commands are imported when
 * used, so that version, --help, check-config and a refused configuration answer without
 * loading the whole server (about 0.3 s of the 0.4 s a process took).
 */
import { join, relative } from "node:path";
import { parseArgs, USAGE } from "./cli/args.ts";
import { resolveConfig } from "./cli/config-file.ts";
import { ConfigError, maskSecrets, type Config } from "./config.ts";
import { RegistrationError } from "./core/appservices/registration-file.ts";
import { describeError } from "./core/background-tasks.ts";
import { createLogger, parseLogLevel, type Logger } from "./logger.ts";
import { DATABASE_FILE, DatabaseOpenError, DatabaseVersionError, openDatabase } from "./storage/database.ts";
import { VERSION } from "./version.ts";

function fail(message: string): never {
  process.stderr.write(`bunduit: ${message}\n`);
  process.exit(1);
}

/** Relative to the working directory when below it, else absolute. */
function shortPath(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith("..") ? path : fromHere;
}

/** How the operator runs this same bunduit, so that a hint in the log can be pasted as is. */
function selfCommand(configPath: string | undefined): string {
  const compiled = import.meta.url.includes("$bunfs") || import.meta.url.includes("~BUN");
  const command = compiled
    ? process.execPath
    : ["start", "dev", "bunduit"].includes(process.env.npm_lifecycle_event ?? "")
      ? "npm run bunduit --"
      : `bun ${shortPath(process.argv[1] ?? "src/main.ts")}`;
  return configPath === undefined ? command : `${command} --config ${configPath}`;
}

async function serve(config: Readonly<Config>, logger: Logger, configPath: string | undefined): Promise<void> {
  const db = openDatabase(config.database_path);
  const { createApp } = await import("./app.ts");
  const { app, services, startBackgroundTasks, closeLongPolls, shutdown } = createApp({ config, db, logger });
  const server = Bun.serve({
    hostname: config.address,
    port: config.port,
    // A second bunduit on the same port must fail, not silently split the traffic.
    reusePort: false,
    // /sync long-polls for up to its timeout; Bun's idle timeout would cut it.
    idleTimeout: 0,
    // Uploads may be larger than JSON requests; the edge plugin applies the right limit per path.
    maxRequestBodySize: Math.max(config.max_request_size, config.media.max_upload_size) + 1024,
    fetch: (request, server) => app.handle(request),
  });
  // Elysia's server-dependent features (requestIP) need the server.
  app.server = server as never;
  const stopBackground = startBackgroundTasks();
  logger.info("bunduit started", {
    version: VERSION,
    server_name: config.server_name,
    listening: server.url.href,
    database: join(config.database_path, DATABASE_FILE),
  });
  if (!config.allow_registration && !services.accounts.hasPeople()) {
    logger.warn(
      `registration is closed and no account exists yet: create the first one with \`${selfCommand(configPath)} user create NAME --admin\` (it prints the password)`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    const background = stopBackground();
    // Parked /sync long-polls answer now, so that waiting for in-flight requests does not wait out their timeouts.
    closeLongPolls();
    const grace = new Promise<"timeout">((resolve) =>
      setTimeout(() => resolve("timeout"), config.shutdown_grace_seconds * 1000),
    );
    if ((await Promise.race([server.stop(false).then(() => "done" as const), grace])) === "timeout") {
      logger.warn("in-flight requests did not finish in time; closing them", {
        grace_seconds: config.shutdown_grace_seconds,
      });
      await server.stop(true);
    }
    // A transaction still in flight to an appservice after the grace stays stored and is sent again at the next start.
    await Promise.race([background, grace]);
    shutdown();
    db.close();
    logger.info("stopped");
    process.exit(0);
  };
  logStrayErrors(logger);
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/**
 * The last resort, once the server is up, for an error that escaped every guard (timers,
 * listeners and periodic tasks are guarded: core/background-tasks.ts): log it and keep
 * serving. Kept running because what matters lives in SQLite, where an interrupted
 * transaction rolls back, so a stray error leaves the state no worse than a failed request
 * does; exiting would cut every parked long-poll and request in flight, and stay down under a
 * process manager that does not restart. Registered after start-up, so a failing start still exits.
 */
function logStrayErrors(logger: Logger): void {
  process.on("uncaughtException", (error) =>
    logger.error("uncaught exception; the server keeps running", { error: describeError(error) }),
  );
  process.on("unhandledRejection", (reason) =>
    logger.error("unhandled promise rejection; the server keeps running", { error: describeError(reason) }),
  );
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const [command = "serve"] = args.command;
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (command === "version") {
    process.stdout.write(`bunduit ${VERSION}\n`);
    return;
  }
  let loaded;
  try {
    loaded = resolveConfig(args.configPath, process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const logger = createLogger(process.env.BUNDUIT_TEST ? "warn" : parseLogLevel(loaded.config.log));
  for (const warning of loaded.warnings) logger.warn(warning);
  switch (command) {
    case "serve":
      try {
        await serve(loaded.config, logger, args.configPath);
      } catch (error) {
        if ((error as { code?: string }).code === "EADDRINUSE")
          fail(`cannot listen on ${loaded.config.address}:${loaded.config.port}: the address is in use`);
        throw error;
      }
      return;
    case "user": {
      const { runUserCommand } = await import("./cli/user.ts");
      const code = await runUserCommand(args, loaded.config, {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
      process.exit(code);
    }
    case "appservice": {
      const { runAppserviceCommand } = await import("./cli/appservice.ts");
      const code = await runAppserviceCommand(args, loaded.config, {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
      process.exit(code);
    }
    case "media": {
      const { runMediaCommand } = await import("./cli/media.ts");
      const { code, message } = runMediaCommand(args, loaded.config);
      (code === 0 ? process.stdout : process.stderr).write(message);
      process.exitCode = code;
      return;
    }
    case "check-config":
      process.stdout.write(
        `configuration from ${loaded.source} is valid:\n${JSON.stringify(maskSecrets(loaded.config), null, 2)}\n`,
      );
      return;
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  // An operator's mistake found while starting any command: one line, not a stack trace.
  if (error instanceof DatabaseOpenError || error instanceof DatabaseVersionError || error instanceof RegistrationError)
    fail(error.message);
  throw error;
}
