/** Command-line parsing for the one binary: `bunduit [command] [--config FILE] [args…]`. */
export interface ParsedArgs {
  command: string[];
  configPath?: string;
  options: Record<string, string | true>;
  help: boolean;
}

const VALUE_OPTIONS = new Set(["config", "password", "before"]);

export function parseArgs(argv: string[]): ParsedArgs {
  const command: string[] = [];
  const options: Record<string, string | true> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "-c") options.config = argv[++i] ?? "";
    else if (arg.startsWith("--")) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      if (inline !== undefined) options[name] = inline;
      else if (VALUE_OPTIONS.has(name)) options[name] = argv[++i] ?? "";
      else options[name] = true;
    } else command.push(arg);
  }
  const configPath = typeof options.config === "string" ? options.config : undefined;
  return { command, ...(configPath !== undefined ? { configPath } : {}), options, help };
}

export const MEDIA_USAGE = `  bunduit media purge --before DATE
                                    delete local media uploaded before DATE (e.g. 2025-01-01)
  bunduit media delete MXC_URI      delete one local media id (mxc://server/id)
`;

export const USAGE = `bunduit — a Matrix homeserver in one executable

Usage:
  bunduit [serve] [--config FILE]   run the homeserver
  bunduit check-config [--config FILE]
                                    validate the configuration and print it, secrets masked
  bunduit user create NAME [--password P] [--admin]
                                    create a user (a password is generated and printed when none is given)
  bunduit user reset-password NAME [--password P]
                                    set a new password and log out every device
  bunduit user deactivate NAME      deactivate a user: no login, every device and token gone
  bunduit user list                 list every user
  bunduit appservice register FILE [--replace]
                                    register an application service from its YAML registration file
                                    (--replace updates an existing id and keeps its queue)
  bunduit appservice unregister ID  remove a registration and its queued transactions
  bunduit appservice list           list registrations with their delivery backlog
${MEDIA_USAGE}  bunduit version                   print the version
  bunduit --help                    print this help

The configuration is read from --config FILE, else $CONDUIT_CONFIG, else ./conduit.toml,
else the built-in defaults. The user and appservice commands work on the database whether or
not the server is running; a running server picks up appservice changes within seconds.
CONDUIT_<KEY> environment variables override [global] keys (CONDUIT_PORT=8008,
CONDUIT_SERVER_NAME=example.org). See docs/configuration.md and docs/appservices.md.
`;
