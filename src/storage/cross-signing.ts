import type { Database } from "bun:sqlite";

export type CrossSigningUsage = "master" | "self_signing" | "user_signing";

export interface CrossSigningKeyRow {
  usage: CrossSigningUsage;
  public_key: string;
  key_json: string;
}

export interface KeySignatureRow {
  target_key_id: string;
  signer_user_id: string;
  signer_key_id: string;
  signature: string;
}

/** Cross-signing keys and the signatures uploaded after the keys they sign. */
export function createCrossSigningStore(db: Database) {
  const selectKeys = db.query<CrossSigningKeyRow, [string]>(
    "SELECT usage, public_key, key_json FROM cross_signing_keys WHERE user_id = ?",
  );
  const upsertKey = db.query<void, [string, CrossSigningUsage, string, string]>(
    `INSERT INTO cross_signing_keys (user_id, usage, public_key, key_json) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id, usage) DO UPDATE SET public_key = excluded.public_key, key_json = excluded.key_json`,
  );
  const selectSignatures = db.query<KeySignatureRow, [string, string]>(
    `SELECT target_key_id, signer_user_id, signer_key_id, signature FROM key_signatures
     WHERE target_user_id = ? AND target_key_id = ? ORDER BY signer_user_id, signer_key_id`,
  );
  const selectSignaturesOfUser = db.query<KeySignatureRow, [string]>(
    `SELECT target_key_id, signer_user_id, signer_key_id, signature FROM key_signatures
     WHERE target_user_id = ? ORDER BY target_key_id, signer_user_id, signer_key_id`,
  );
  const upsertSignature = db.query<void, [string, string, string, string, string]>(
    `INSERT INTO key_signatures (target_user_id, target_key_id, signer_user_id, signer_key_id, signature) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (target_user_id, target_key_id, signer_user_id, signer_key_id) DO UPDATE SET signature = excluded.signature`,
  );
  const deleteSignaturesOfKey = db.query<void, [string, string]>(
    "DELETE FROM key_signatures WHERE target_user_id = ? AND target_key_id = ?",
  );

  return {
    selectKeys: (userId: string) => selectKeys.all(userId),
    upsertKey: (userId: string, usage: CrossSigningUsage, publicKey: string, keyJson: string) =>
      upsertKey.run(userId, usage, publicKey, keyJson),
    /** Signatures on one device (by id) or cross-signing key (by public key). */
    selectSignatures: (targetUserId: string, targetKeyId: string) => selectSignatures.all(targetUserId, targetKeyId),
    selectSignaturesOfUser: (targetUserId: string) => selectSignaturesOfUser.all(targetUserId),
    upsertSignature: (
      targetUserId: string,
      targetKeyId: string,
      signerUserId: string,
      signerKeyId: string,
      signature: string,
    ) => upsertSignature.run(targetUserId, targetKeyId, signerUserId, signerKeyId, signature),
    deleteSignaturesOfKey: (targetUserId: string, targetKeyId: string) =>
      deleteSignaturesOfKey.run(targetUserId, targetKeyId),
  };
}

export type CrossSigningStore = ReturnType<typeof createCrossSigningStore>;
