import type { Database } from "bun:sqlite";

/** A user-defined rule; JSON columns as text. */
export interface PushRuleRow {
  kind: string;
  rule_id: string;
  priority: number;
  enabled: number;
  actions: string;
  conditions: string | null;
  pattern: string | null;
}

/** A user's change to a server-default rule; NULL keeps the default. */
export interface PushRuleDefaultRow {
  kind: string;
  rule_id: string;
  enabled: number | null;
  actions: string | null;
}

export function createPushRuleStore(db: Database) {
  const columns = "kind, rule_id, priority, enabled, actions, conditions, pattern";
  const selectRules = db.query<PushRuleRow, [string]>(
    `SELECT ${columns} FROM push_rules WHERE user_id = ? ORDER BY kind, priority DESC`,
  );
  const selectRulesOfKind = db.query<PushRuleRow, [string, string]>(
    `SELECT ${columns} FROM push_rules WHERE user_id = ? AND kind = ? ORDER BY priority DESC`,
  );
  const selectRule = db.query<PushRuleRow, [string, string, string]>(
    `SELECT ${columns} FROM push_rules WHERE user_id = ? AND kind = ? AND rule_id = ?`,
  );
  const insertRule = db.query<void, [string, string, string, number, string, string | null, string | null]>(
    "INSERT INTO push_rules (user_id, kind, rule_id, priority, enabled, actions, conditions, pattern) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
  );
  const updateRule = db.query<void, [string, string | null, string | null, string, string, string]>(
    "UPDATE push_rules SET actions = ?, conditions = ?, pattern = ? WHERE user_id = ? AND kind = ? AND rule_id = ?",
  );
  const updatePriority = db.query<void, [number, string, string, string]>(
    "UPDATE push_rules SET priority = ? WHERE user_id = ? AND kind = ? AND rule_id = ?",
  );
  const updateEnabled = db.query<void, [number, string, string, string]>(
    "UPDATE push_rules SET enabled = ? WHERE user_id = ? AND kind = ? AND rule_id = ?",
  );
  const updateActions = db.query<void, [string, string, string, string]>(
    "UPDATE push_rules SET actions = ? WHERE user_id = ? AND kind = ? AND rule_id = ?",
  );
  const deleteRule = db.query<void, [string, string, string]>(
    "DELETE FROM push_rules WHERE user_id = ? AND kind = ? AND rule_id = ?",
  );

  const selectDefaults = db.query<PushRuleDefaultRow, [string]>(
    "SELECT kind, rule_id, enabled, actions FROM push_rule_defaults WHERE user_id = ?",
  );
  const upsertDefaultEnabled = db.query<void, [string, string, string, number]>(
    "INSERT INTO push_rule_defaults (user_id, kind, rule_id, enabled) VALUES (?, ?, ?, ?) " +
      "ON CONFLICT (user_id, kind, rule_id) DO UPDATE SET enabled = excluded.enabled",
  );
  const upsertDefaultActions = db.query<void, [string, string, string, string]>(
    "INSERT INTO push_rule_defaults (user_id, kind, rule_id, actions) VALUES (?, ?, ?, ?) " +
      "ON CONFLICT (user_id, kind, rule_id) DO UPDATE SET actions = excluded.actions",
  );

  // REPLACE deletes the user's row and inserts a new one, which takes the next AUTOINCREMENT position.
  const replaceStreamPosition = db.query<{ stream_position: number }, [string]>(
    "INSERT OR REPLACE INTO push_rules_stream (user_id) VALUES (?) RETURNING stream_position",
  );
  const selectStreamPosition = db.query<{ stream_position: number }, [string]>(
    "SELECT stream_position FROM push_rules_stream WHERE user_id = ?",
  );
  const selectMaxPosition = db.query<{ position: number }, []>(
    "SELECT COALESCE(MAX(stream_position), 0) AS position FROM push_rules_stream",
  );

  return {
    /** All of a user's rules, by kind, most important first. */
    selectRules: (userId: string) => selectRules.all(userId),
    selectRulesOfKind: (userId: string, kind: string) => selectRulesOfKind.all(userId, kind),
    selectRule: (userId: string, kind: string, ruleId: string) => selectRule.get(userId, kind, ruleId) ?? undefined,
    /** A new rule is enabled (the spec's "MUST be enabled by default"). */
    insertRule: (
      userId: string,
      kind: string,
      ruleId: string,
      priority: number,
      actions: string,
      conditions: string | null,
      pattern: string | null,
    ) => insertRule.run(userId, kind, ruleId, priority, actions, conditions, pattern),
    /** Replaces what the rule does; its place and enabled flag stay. */
    updateRule: (
      userId: string,
      kind: string,
      ruleId: string,
      actions: string,
      conditions: string | null,
      pattern: string | null,
    ) => updateRule.run(actions, conditions, pattern, userId, kind, ruleId),
    updatePriority: (userId: string, kind: string, ruleId: string, priority: number) =>
      updatePriority.run(priority, userId, kind, ruleId),
    updateEnabled: (userId: string, kind: string, ruleId: string, enabled: boolean) =>
      updateEnabled.run(enabled ? 1 : 0, userId, kind, ruleId),
    updateActions: (userId: string, kind: string, ruleId: string, actions: string) =>
      updateActions.run(actions, userId, kind, ruleId),
    deleteRule: (userId: string, kind: string, ruleId: string) => deleteRule.run(userId, kind, ruleId).changes > 0,

    selectDefaults: (userId: string) => selectDefaults.all(userId),
    upsertDefaultEnabled: (userId: string, kind: string, ruleId: string, enabled: boolean) =>
      upsertDefaultEnabled.run(userId, kind, ruleId, enabled ? 1 : 0),
    upsertDefaultActions: (userId: string, kind: string, ruleId: string, actions: string) =>
      upsertDefaultActions.run(userId, kind, ruleId, actions),

    /** Records a change of the user's rules and returns its new stream position. */
    bumpStreamPosition: (userId: string) => replaceStreamPosition.get(userId)!.stream_position,
    /** The position of the user's last change, 0 if they never changed anything. */
    selectStreamPosition: (userId: string) => selectStreamPosition.get(userId)?.stream_position ?? 0,
    selectMaxPosition: () => selectMaxPosition.get()!.position,
  };
}

export type PushRuleStore = ReturnType<typeof createPushRuleStore>;
