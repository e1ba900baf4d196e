/**
 * The request bodies of lk-jwt-service's endpoints and its checks of them. lk-jwt-service
 * (Go) decodes a missing field as its zero value, so a missing and an empty field are the
 * same to it, and it answers both with 400 M_BAD_JSON naming the fields; we keep its
 * wording, so the schemas in the API only check types.
 * https://github.com/element-hq/lk-jwt-service (requests.go)
 */
import { badJson } from "../../../errors.ts";

export interface OpenIdTokenBody {
  access_token?: string;
  token_type?: string;
  matrix_server_name?: string;
  expires_in?: number;
}

export interface MemberBody {
  id?: string;
  claimed_user_id?: string;
  claimed_device_id?: string;
}

interface DelayFields {
  delay_id?: string;
  delay_timeout?: number;
  /** Ignored, as by lk-jwt-service: leave delegation never calls a client-supplied URL. */
  delay_cs_api_url?: string;
}

/** POST /sfu/get, the legacy (pre-Matrix 2.0) endpoint Element Call's default mode uses. */
export interface LegacySfuRequest extends DelayFields {
  room?: string;
  openid_token?: OpenIdTokenBody;
  device_id?: string;
}

/** POST /get_token (Matrix 2.0, MSC4195), and POST /delegate_delayed_leave, where the delay fields are required. */
export interface SfuRequest extends DelayFields {
  room_id?: string;
  slot_id?: string;
  openid_token?: OpenIdTokenBody;
  member?: MemberBody;
}

export interface SfuResponse {
  url: string;
  jwt: string;
}

export interface CheckedOpenIdToken {
  access_token: string;
  matrix_server_name: string;
}

export interface RequestedDelegation {
  delayId: string;
  delayTimeoutMs: number;
}

export function checkLegacySfuRequest(body: LegacySfuRequest) {
  if (!body.room) throw badJson("Missing room parameter");
  const token = body.openid_token;
  if (!token?.access_token || !token.matrix_server_name) throw badJson("Missing OpenID token parameters");
  return {
    room: body.room,
    openIdToken: token as CheckedOpenIdToken,
    deviceId: body.device_id ?? "",
    delay: optionalDelay(body),
  };
}

export function checkSfuRequest(body: SfuRequest) {
  const { room_id: roomId, slot_id: slotId, member, openid_token: token } = body;
  if (!roomId || !slotId) throw badJson("The request body is missing `room_id` or `slot_id`");
  if (!member?.id || !member.claimed_user_id || !member.claimed_device_id) {
    throw badJson("The request body `member` is missing a `id`, `claimed_user_id` or `claimed_device_id`");
  }
  if (!token?.access_token || !token.matrix_server_name) {
    throw badJson("The request body `openid_token` is missing a `access_token` or `matrix_server_name`");
  }
  const checkedMember = member as Required<MemberBody>;
  return {
    roomId,
    slotId,
    member: checkedMember,
    openIdToken: token as CheckedOpenIdToken,
    delay: optionalDelay(body),
  };
}

export function checkDelegateDelayedLeaveRequest(body: SfuRequest) {
  const { room_id: roomId, slot_id: slotId, member, openid_token: token } = body;
  if (!roomId || !slotId) throw badJson("The request body is missing `room_id` or `slot_id`");
  if (!member?.id || !member.claimed_user_id || !member.claimed_device_id) {
    throw badJson("The request body `member` is missing `id`, `claimed_user_id` or `claimed_device_id`");
  }
  if (!token?.access_token || !token.matrix_server_name) {
    throw badJson("The request body `openid_token` is missing `access_token` or `matrix_server_name`");
  }
  const delay = optionalDelay(body);
  if (!delay) throw badJson("The request body is missing `delay_id` or `delay_timeout`");
  return { roomId, slotId, member: member as Required<MemberBody>, openIdToken: token as CheckedOpenIdToken, delay };
}

/** Both delay fields or neither; a delay_timeout of 0 or less counts as absent, as in Go. */
function optionalDelay({
  delay_id: delayId,
  delay_timeout: timeout = 0,
}: DelayFields): RequestedDelegation | undefined {
  if (!delayId && timeout <= 0) return undefined;
  if (!delayId || timeout <= 0) throw badJson("The request body is missing `delay_id` or `delay_timeout`");
  return { delayId, delayTimeoutMs: timeout };
}
