import { describe, expect, test } from "bun:test";
import { EventType } from "../../src/matrix/event-types.ts";

describe("EventType", () => {
  test("names each type once", () => {
    const values = Object.values(EventType);
    expect(new Set(values).size).toBe(values.length);
  });

  test("every type follows the common namespaced identifier grammar", () => {
    for (const type of Object.values(EventType)) expect(type).toMatch(/^[a-z][a-z0-9._-]{0,254}$/);
  });
});
