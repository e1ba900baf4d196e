/**
 * An invite that redeems a third-party invite (membership rule "If content has a
 * third_party_invite property"): the identity server signed `{mxid, token}` with a key the
 * inviter published in the m.room.third_party_invite event named by `token`.
 * https://spec.matrix.org/v1.19/client-server-api/#third-party-invites
 */
import { EventType } from "../event-types.ts";
import { isJsonObject, type JsonObject } from "../canonical-json.ts";
import { verifyJsonSignature } from "../signing.ts";
import { membershipOf, reject, stateEvent, type AuthCheck } from "./auth-check.ts";

/** The keys of an m.room.third_party_invite: `public_key`, and each `public_key` in `public_keys`. */
function publicKeysOf(content: JsonObject): string[] {
  const keys = typeof content.public_key === "string" ? [content.public_key] : [];
  if (Array.isArray(content.public_keys)) {
    for (const entry of content.public_keys) {
      if (isJsonObject(entry) && typeof entry.public_key === "string") keys.push(entry.public_key);
    }
  }
  return keys;
}

function isSignedByAnyOf(signed: JsonObject, publicKeys: readonly string[]): boolean {
  const signatures = signed.signatures;
  if (!isJsonObject(signatures)) return false;
  for (const [entity, byKeyId] of Object.entries(signatures)) {
    if (!isJsonObject(byKeyId)) continue;
    for (const keyId of Object.keys(byKeyId)) {
      if (publicKeys.some((publicKey) => verifyJsonSignature(signed, entity, keyId, publicKey))) return true;
    }
  }
  return false;
}

/** Applies rules x.1.1–x.1.8 of the invite rule, where `rule` is x.1 for the room version. */
export function authorizeThirdPartyInvite(check: AuthCheck, rule: string): void {
  const { pdu } = check;
  const target = pdu.state_key ?? "";
  if (membershipOf(check, target) === "ban") reject(check, `${rule}.1`, "the invited user is banned");

  const thirdPartyInvite = pdu.content.third_party_invite;
  const signed = isJsonObject(thirdPartyInvite) ? thirdPartyInvite.signed : undefined;
  if (!isJsonObject(signed)) reject(check, `${rule}.2`, "third_party_invite has no signed object");

  const { mxid, token } = signed;
  if (typeof mxid !== "string" || typeof token !== "string") reject(check, `${rule}.3`, "signed has no mxid and token");
  if (mxid !== target) reject(check, `${rule}.4`, "signed.mxid is not the state_key");

  const invite = stateEvent(check, EventType.RoomThirdPartyInvite, token);
  if (invite === undefined) reject(check, `${rule}.5`, "no m.room.third_party_invite matches the token");
  if (invite.pdu.sender !== pdu.sender)
    reject(check, `${rule}.6`, "the sender did not send the m.room.third_party_invite");

  if (isSignedByAnyOf(signed, publicKeysOf(invite.pdu.content))) return;
  reject(check, `${rule}.8`, "no signature in signed matches a public key of the m.room.third_party_invite");
}
