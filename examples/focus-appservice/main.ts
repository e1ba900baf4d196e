#!/usr/bin/env bun
/**
 * Runs the focus appservice.
 *
 *   bun examples/focus-appservice/main.ts generate http://127.0.0.1:9010 > focus.yaml
 *   bunduit appservice register focus.yaml
 *   FOCUS_REGISTRATION=focus.yaml HOMESERVER_URL=http://127.0.0.1:6167 SERVER_NAME=example.org \
 *     bun examples/focus-appservice/main.ts
 */
import { createFocusAppservice, focusRegistration, type FocusRegistration } from "./focus-appservice.ts";

const [command, url] = process.argv.slice(2);
if (command === "generate") {
  if (!url) throw new Error("usage: main.ts generate URL_OF_THIS_APPSERVICE");
  process.stdout.write(`${Bun.YAML.stringify(focusRegistration(url), null, 2)}\n`);
  process.exit(0);
}

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (see README.md)`);
  return value;
};
const registration = Bun.YAML.parse(await Bun.file(env("FOCUS_REGISTRATION")).text()) as FocusRegistration;
const focus = createFocusAppservice({
  registration,
  homeserverUrl: env("HOMESERVER_URL"),
  serverName: env("SERVER_NAME"),
  log: (line) => console.log(line),
});
const listen = new URL(registration.url ?? "http://127.0.0.1:9010");
const server = Bun.serve({ hostname: listen.hostname, port: Number(listen.port || 80), fetch: focus.fetch });
console.log(`focus appservice listening on ${server.url}`);
await focus.start();
