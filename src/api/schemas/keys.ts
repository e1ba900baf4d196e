/**
 * Wire shapes of the end-to-end encryption module. Signed objects keep every field the
 * client sent, since dropping one would break their signatures: that takes
 * `additionalProperties: t.Unknown()`, because TypeBox's Clean (app.ts normalize) strips
 * extra fields when it is merely `true`.
 */
import { t } from "elysia";

export const Signatures = t.Record(t.String(), t.Record(t.String(), t.String()), {
  description: "Signed JSON signatures: user id → key id → unpadded base64 signature",
});

export const DeviceKeys = t.Object(
  {
    user_id: t.String(),
    device_id: t.String(),
    algorithms: t.Array(t.String()),
    keys: t.Record(t.String(), t.String()),
    signatures: Signatures,
  },
  { additionalProperties: t.Unknown(), description: "A device's identity keys, signed by its ed25519 key" },
);

/** A one-time or fallback key: `curve25519` keys are bare strings, `signed_curve25519` keys signed objects. */
export const KeyObject = t.Union([
  t.String(),
  t.Object({ key: t.String(), signatures: t.Optional(Signatures) }, { additionalProperties: t.Unknown() }),
]);
export const OneTimeKeys = t.Record(t.String(), KeyObject, { description: "<algorithm>:<key_id> → key" });

export const CrossSigningKey = t.Object(
  {
    user_id: t.String(),
    usage: t.Array(t.String()),
    keys: t.Record(t.String(), t.String()),
    signatures: t.Optional(Signatures),
  },
  { additionalProperties: t.Unknown() },
);

/** Any signed object; its shape is checked against the stored key it claims to be. */
export const SignedObject = t.Object({ signatures: t.Optional(Signatures) }, { additionalProperties: t.Unknown() });

export const Failures = t.Record(t.String(), t.Record(t.String(), t.Unknown()), {
  description: "Servers that could not be reached (always remote ones: bunduit does not federate yet)",
});

export const KeyBackupData = t.Object({
  first_message_index: t.Integer({ minimum: 0 }),
  forwarded_count: t.Integer({ minimum: 0 }),
  is_verified: t.Boolean(),
  session_data: t.Record(t.String(), t.Unknown()),
});

export const RoomKeyBackup = t.Object({ sessions: t.Record(t.String(), KeyBackupData) });

export const RoomKeysUpdateResponse = t.Object({ etag: t.String(), count: t.Integer() });

export const BackupVersion = t.Object({
  algorithm: t.String(),
  auth_data: t.Record(t.String(), t.Unknown()),
  count: t.Integer(),
  etag: t.String(),
  version: t.String(),
});
