#!/usr/bin/env bun
/**
 * The process edge: arguments, configuration, the database, listening and signals.
 * Everything else is built by createApp.
 */
import { join } from "node:path";
import { createApp } from "./app.ts";
import { parseArgs, USAGE } from "./cli/args.ts";
import { resolveConfig } from "./cli/config-file.ts";
import { runAppserviceCommand } from "./cli/appservice.ts";
import { runUserCommand } from "./cli/user.ts";
import { runMediaCommand } from "./cli/media.ts";
import { ConfigError, maskSecrets, type Config } from "./config.ts";
import { RegistrationError } from "./core/appservices/registration-file.ts";
import { describeError } from "./core/background-tasks.ts";
import { createLogger, parseLogLevel, type Logger } from "./logger.ts";
import { DATABASE_FILE, DatabaseVersionError, openDatabase } from "./storage/database.ts";
import { VERSION } from "./version.ts";

function fail(message: string): never {
  process.stderr.write(`bunduit: ${message}\n`);
  process.exit(1);
}

/** Errors that mean the data directory is missing, unwritable or not a directory. */
const UNOPENABLE = new Set(["SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM", "EACCES", "EPERM", "ENOTDIR", "EEXIST", "EROFS"]);

function openDatabaseOrFail(directory: string) {
  try {
    return openDatabase(directory);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (!code || !UNOPENABLE.has(code)) throw error;
    // Typical in containers: a bind-mounted directory owned by another uid than the server's.
    fail(`cannot open the database in ${directory} (${code}): database_path must be a directory that exists or can be created, writable by uid ${process.getuid?.() ?? "?"}`);
  }
}

async function serve(config: Readonly<Config>, logger: Logger): Promise<void> {
  const db = openDatabaseOrFail(config.database_path);
  const { app, startBackgroundTasks, closeLongPolls, shutdown } = createApp({ config, db, logger });
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

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    const background = stopBackground();
    // Parked /sync long-polls answer now, so that waiting for in-flight requests does not wait out their timeouts.
    closeLongPolls();
    const grace = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), config.shutdown_grace_seconds * 1000));
    if ((await Promise.race([server.stop(false).then(() => "done" as const), grace])) === "timeout") {
      logger.warn("in-flight requests did not finish in time; closing them", { grace_seconds: config.shutdown_grace_seconds });
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
  process.on("uncaughtException", (error) => logger.error("uncaught exception; the server keeps running", { error: describeError(error) }));
  process.on("unhandledRejection", (reason) => logger.error("unhandled promise rejection; the server keeps running", { error: describeError(reason) }));
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
        await serve(loaded.config, logger);
      } catch (error) {
        if (error instanceof DatabaseVersionError || error instanceof RegistrationError) fail(error.message);
        if ((error as { code?: string }).code === "EADDRINUSE") fail(`cannot listen on ${loaded.config.address}:${loaded.config.port}: the address is in use`);
        throw error;
      }
      return;
    case "user": {
      const code = await runUserCommand(args, loaded.config, {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
      process.exit(code);
    }
    case "appservice": {
      const code = await runAppserviceCommand(args, loaded.config, {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
      process.exit(code);
    }
    case "media": {
      const { code, message } = runMediaCommand(args, loaded.config);
      (code === 0 ? process.stdout : process.stderr).write(message);
      process.exitCode = code;
      return;
    }
    case "check-config":
      process.stdout.write(`configuration from ${loaded.source} is valid:\n${JSON.stringify(maskSecrets(loaded.config), null, 2)}\n`);
      return;
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
  }
}

await main(process.argv.slice(2));
