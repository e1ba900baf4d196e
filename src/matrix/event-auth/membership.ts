/**
 * The m.room.member rule of the authorization rules (rule 5 in v1–v5 and v12, rule 4 in v6–v11),
 * one function per membership. Each function ends in allow (return) or reject (throw).
 * https://spec.matrix.org/v1.19/rooms/v12/#authorization-rules
 */
import { namedPowerLevel } from "../power-levels.ts";
import { referenceId } from "../pdu.ts";
import { joinRuleOf, membershipOf, powerLevelOf, reject, type AuthCheck } from "./auth-check.ts";
import { serverNameOf } from "../ids.ts";
import { authorizeThirdPartyInvite } from "./third-party-invite.ts";

export function authorizeMembership(check: AuthCheck): void {
  const { pdu, rules } = check;
  const membership = pdu.content.membership;
  if (pdu.state_key === undefined || membership === undefined) {
    reject(check, `${rules.member}.1`, "no state_key or no membership in content");
  }
  if (
    rules.memberAuthorisingSignature !== undefined &&
    Object.hasOwn(pdu.content, "join_authorised_via_users_server")
  ) {
    checkAuthorisingServerSigned(check, rules.memberAuthorisingSignature);
  }
  switch (membership) {
    case "join":
      return authorizeJoin(check, pdu.state_key);
    case "invite":
      return authorizeInvite(check, pdu.state_key);
    case "leave":
      return authorizeLeave(check, pdu.state_key);
    case "ban":
      return authorizeBan(check, pdu.state_key);
    case "knock":
      if (rules.memberKnock !== undefined) return authorizeKnock(check, rules.memberKnock, pdu.state_key);
  }
  reject(check, rules.memberUnknown, `unknown membership ${JSON.stringify(membership)}`);
}

/**
 * v8+: "If the event is not validly signed by the homeserver of the user ID denoted by the
 * key, reject." Verifying a signature needs that server's keys, which is I/O: the signature
 * checks on receipt of a PDU verify it (they require this server's signature as well as the
 * sender's). Here we check what needs no keys: the key names a user and their server signed.
 * Callers authorizing a join they authorise themselves must sign it first.
 */
function checkAuthorisingServerSigned(check: AuthCheck, rule: string): void {
  const authoriser = check.pdu.content.join_authorised_via_users_server;
  const server = typeof authoriser === "string" ? serverNameOf(authoriser) : undefined;
  const signatures = server === undefined ? undefined : check.pdu.signatures[server];
  if (signatures === undefined || Object.keys(signatures).length === 0) {
    reject(check, rule, "not signed by the server of join_authorised_via_users_server");
  }
}

/** The creator whose join may follow the create event directly: `creator` before v11, then the sender. */
function roomCreatorForFirstJoin(check: AuthCheck): string | undefined {
  const create = check.create.pdu;
  if (check.version.implicitRoomCreator) return create.sender;
  return typeof create.content.creator === "string" ? create.content.creator : undefined;
}

function authorizeJoin(check: AuthCheck, target: string): void {
  const { pdu, rules, version } = check;
  const rule = rules.memberJoin;
  const [onlyPrevEvent, ...otherPrevEvents] = pdu.prev_events;
  if (
    onlyPrevEvent !== undefined &&
    otherPrevEvents.length === 0 &&
    referenceId(onlyPrevEvent) === check.create.event_id
  ) {
    if (target === roomCreatorForFirstJoin(check)) return;
  }
  if (pdu.sender !== target) reject(check, `${rule}.2`, "sender does not match state_key");
  const membership = membershipOf(check, pdu.sender);
  if (membership === "ban") reject(check, `${rule}.3`, "sender is banned");

  const joinRule = joinRuleOf(check);
  const isInvitedOrJoined = membership === "invite" || membership === "join";
  if (joinRule === "invite" || (version.knockJoinRule && joinRule === "knock")) {
    if (isInvitedOrJoined) return;
  }
  const restricted =
    (version.restrictedJoinRule && joinRule === "restricted") ||
    (version.knockRestrictedJoinRule && joinRule === "knock_restricted");
  if (restricted && rules.joinRestricted !== undefined) {
    if (isInvitedOrJoined) return;
    const authoriser = pdu.content.join_authorised_via_users_server;
    if (
      typeof authoriser !== "string" ||
      membershipOf(check, authoriser) !== "join" ||
      powerLevelOf(check, authoriser) < namedPowerLevel("invite", check.powerLevels)
    ) {
      reject(
        check,
        `${rules.joinRestricted}.2`,
        "join_authorised_via_users_server is not a joined user who may invite",
      );
    }
    return;
  }
  if (joinRule === "public") return;
  reject(check, rules.joinOtherwise, `join_rule is ${joinRule} and the sender is not invited`);
}

function authorizeInvite(check: AuthCheck, target: string): void {
  const { pdu, rules } = check;
  const rule = rules.memberInvite;
  if (Object.hasOwn(pdu.content, "third_party_invite")) return authorizeThirdPartyInvite(check, `${rule}.1`);
  if (membershipOf(check, pdu.sender) !== "join") reject(check, `${rule}.2`, "sender is not joined");
  const targetMembership = membershipOf(check, target);
  if (targetMembership === "join" || targetMembership === "ban")
    reject(check, `${rule}.3`, `target is already ${targetMembership === "join" ? "joined" : "banned"}`);
  if (powerLevelOf(check, pdu.sender) >= namedPowerLevel("invite", check.powerLevels)) return;
  reject(check, `${rule}.5`, "sender's power level is below the invite level");
}

function authorizeLeave(check: AuthCheck, target: string): void {
  const { pdu, rules, version } = check;
  const rule = rules.memberLeave;
  const senderMembership = membershipOf(check, pdu.sender);
  if (pdu.sender === target) {
    // Leaving, or rejecting an invite; from v7 also withdrawing a knock.
    const mayLeave =
      senderMembership === "invite" ||
      senderMembership === "join" ||
      (version.knockJoinRule && senderMembership === "knock");
    if (mayLeave) return;
    reject(check, `${rule}.1`, `cannot leave with membership ${senderMembership ?? "none"}`);
  }
  if (senderMembership !== "join") reject(check, `${rule}.2`, "sender is not joined");
  const senderLevel = powerLevelOf(check, pdu.sender);
  if (membershipOf(check, target) === "ban" && senderLevel < namedPowerLevel("ban", check.powerLevels)) {
    reject(check, `${rule}.3`, "unbanning needs the ban level");
  }
  if (senderLevel >= namedPowerLevel("kick", check.powerLevels) && powerLevelOf(check, target) < senderLevel) return;
  reject(check, `${rule}.5`, "kicking needs the kick level and a higher power level than the target");
}

function authorizeBan(check: AuthCheck, target: string): void {
  const { pdu, rules } = check;
  const rule = rules.memberBan;
  if (membershipOf(check, pdu.sender) !== "join") reject(check, `${rule}.1`, "sender is not joined");
  const senderLevel = powerLevelOf(check, pdu.sender);
  if (senderLevel >= namedPowerLevel("ban", check.powerLevels) && powerLevelOf(check, target) < senderLevel) return;
  reject(check, `${rule}.3`, "banning needs the ban level and a higher power level than the target");
}

function authorizeKnock(check: AuthCheck, rule: string, target: string): void {
  const { pdu, version } = check;
  const joinRule = joinRuleOf(check);
  if (joinRule !== "knock" && !(version.knockRestrictedJoinRule && joinRule === "knock_restricted")) {
    reject(check, `${rule}.1`, `join_rule ${joinRule} does not allow knocking`);
  }
  if (pdu.sender !== target) reject(check, `${rule}.2`, "sender does not match state_key");
  const membership = membershipOf(check, pdu.sender);
  if (membership !== "ban" && membership !== "invite" && membership !== "join") return;
  reject(check, `${rule}.4`, `cannot knock with membership ${membership}`);
}
