/**
 * The per-test timeout of tests that spawn bunduit processes. Each spawn loads the whole
 * server (about 0.4 s on an idle machine) and a user command hashes a password; on a busy
 * 2-core CI machine a test of several spawns takes many times that, so bun's default 5 s
 * fails tests that are correct. This bounds a hung process, not the speed (bench/ measures that).
 */
export const PROCESS_TEST_TIMEOUT_MS = 60_000;
