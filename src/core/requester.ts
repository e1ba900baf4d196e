/**
 * Who is asking: the authenticated requester the auth macro hands to every route, and the
 * narrower viewer the read paths need. Kept apart from the sessions code so that any area
 * of core can name them without depending on users/.
 */

export interface Requester {
  user_id: string;
  device_id: string;
  is_guest: boolean;
  /** Set when an application service acts (as itself or as one of its users). */
  appservice_id?: string;
  /** True for an application service's sender, and for its users when its registration says `rate_limited: false`. */
  exempt_from_rate_limits?: boolean;
}

/** Who is reading: `unsigned.transaction_id` goes only to the device that sent the event. */
export type Viewer = Pick<Requester, "user_id" | "device_id">;
