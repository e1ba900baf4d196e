import { afterAll, beforeEach } from "bun:test";
import { teardownHooks } from "./support/teardown.ts";

// Keep test output readable: the server logs at warn unless a test asks otherwise.
process.env.BUNDUIT_TEST = "1";

// Test servers and server processes a file leaves open are closed for it (see teardown.ts).
beforeEach(teardownHooks.beforeEach);
afterAll(teardownHooks.afterAll);
