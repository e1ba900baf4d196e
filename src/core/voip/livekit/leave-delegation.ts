/**
 * Leave delegation: Element Call hands the authorization service the delay_id of its
 * delayed "leave" event (MSC4140), and the service keeps that event from firing while the
 * participant is connected to LiveKit, then fires it as soon as they leave. A crashed or
 * offline client thus leaves the call within seconds, without having to reach the
 * homeserver itself. lk-jwt-service does this over the client-server API; we drive the
 * delayed events in-process. One job per (LiveKit room, identity), following lk-jwt-service's
 * state machine:
 *
 *   waiting ── participant joined (webhook or GetParticipant) ──▶ connected
 *   waiting ── connection aborted ──▶ finished (nothing sent; the homeserver's timer decides)
 *   waiting ── min(delay, 1 h) without a connection ──▶ send the leave
 *   connected: restart now, then every 80 % of the delay; event gone ──▶ finished
 *   connected ── participant left ──▶ send the leave
 *   any ── a new delegation for the same participant ──▶ replaced (stops)
 *
 * Jobs live in memory: after a restart of bunduit the delayed events fire by their own timers.
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4140
 */
import type { Logger } from "../../../logger.ts";
import { setTimer, type Clock } from "../../clock.ts";

/**
 * What leave delegation needs from the delayed-events engine (MSC4140), in-process: the
 * `restart` and `send` actions of POST /delayed_events/{delay_id}/{action}, without auth
 * (the unguessable delay_id is the capability, as on that unauthenticated endpoint).
 */
export interface DelayedEventActions {
  /** Resets the timer of a scheduled delayed event to now + its delay. false when none is scheduled under delayId. */
  restartDelayedEvent(delayId: string): boolean | Promise<boolean>;
  /** Sends a scheduled delayed event now. false when none is scheduled under delayId (sent, cancelled or unknown). */
  sendDelayedEvent(delayId: string): boolean | Promise<boolean>;
}

export interface DelegatedLeave {
  room: string;
  identity: string;
  delayId: string;
  delayTimeoutMs: number;
}

export interface LeaveDelegationDeps {
  delayedEvents: DelayedEventActions;
  participantExists: (room: string, identity: string) => Promise<boolean>;
  logger: Logger;
  /** Restarts, GetParticipant polling and the give-up time run on this clock's timers. */
  clock: Clock;
}

const HOUR_MS = 3600_000;
/** GetParticipant polling while waiting for the first connection, as lk-jwt-service's backoff. */
const LOOKUP_FIRST_RETRY_MS = 1000;
const LOOKUP_MAX_INTERVAL_MS = 60_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Job {
  joined(): void;
  left(intentionally: boolean): void;
  stop(): void;
}

export function createLeaveDelegation({ delayedEvents, participantExists, logger, clock }: LeaveDelegationDeps) {
  const jobs = new Map<string, Job>();
  const keyOf = (room: string, identity: string) => JSON.stringify([room, identity]);

  function startJob({ room, identity, delayId, delayTimeoutMs }: DelegatedLeave): Job {
    let state: "waiting" | "connected" | "finished" = "waiting";
    /** The cancels of the job's pending timers. */
    const timers = new Set<() => void>();
    const fields = { room, identity };

    const later = (ms: number, action: () => void) => {
      const cancel = setTimer(
        clock,
        () => {
          timers.delete(cancel);
          action();
        },
        Math.min(ms, MAX_TIMER_MS),
      );
      timers.add(cancel);
    };

    const finish = () => {
      state = "finished";
      for (const cancel of timers) cancel();
      timers.clear();
      if (jobs.get(keyOf(room, identity)) === job) jobs.delete(keyOf(room, identity));
    };

    const restart = async () => {
      let scheduled: boolean;
      try {
        scheduled = await delayedEvents.restartDelayedEvent(delayId);
      } catch (error) {
        logger.error("leave delegation: restart failed; the delayed event keeps its own timer", {
          ...fields,
          error: String(error),
        });
        return finish();
      }
      if (state !== "connected") return;
      if (!scheduled) {
        logger.info("leave delegation: the delayed event is gone (sent or cancelled); stopping", fields);
        return finish();
      }
      later(delayTimeoutMs * 0.8, () => void restart());
    };

    const sendLeave = async () => {
      finish();
      try {
        // false means it was already sent or cancelled: the participant is out either way.
        await delayedEvents.sendDelayedEvent(delayId);
      } catch (error) {
        logger.error("leave delegation: send failed; the delayed event keeps its own timer", {
          ...fields,
          error: String(error),
        });
      }
    };

    const joined = () => {
      if (state !== "waiting") return;
      state = "connected";
      for (const cancel of timers) cancel();
      timers.clear();
      void restart();
    };

    const lookup = async (retryMs: number) => {
      let present = false;
      try {
        present = await participantExists(room, identity);
      } catch (error) {
        logger.debug("leave delegation: GetParticipant failed; retrying", { ...fields, error: String(error) });
      }
      if (state !== "waiting") return;
      if (present) return joined();
      later(retryMs, () => void lookup(Math.min(retryMs * 1.5, LOOKUP_MAX_INTERVAL_MS)));
    };

    const job: Job = {
      joined,
      left(intentionally) {
        if (state === "connected") void sendLeave();
        // An aborted connection before the first join: lk-jwt-service gives up and leaves it to the homeserver.
        else if (state === "waiting" && !intentionally) finish();
      },
      stop: finish,
    };
    later(Math.min(HOUR_MS, delayTimeoutMs), () => {
      if (state === "waiting") void sendLeave();
    });
    void lookup(LOOKUP_FIRST_RETRY_MS);
    return job;
  }

  return {
    /** Takes over a participant's delayed leave, replacing an earlier delegation for the same participant. */
    delegate(leave: DelegatedLeave): void {
      const key = keyOf(leave.room, leave.identity);
      jobs.get(key)?.stop();
      jobs.set(key, startJob(leave));
    },
    participantJoined(room: string, identity: string): void {
      jobs.get(keyOf(room, identity))?.joined();
    },
    participantLeft(room: string, identity: string, intentionally: boolean): void {
      jobs.get(keyOf(room, identity))?.left(intentionally);
    },
    /** Stops every job (shutdown); the delayed events then fire by their own timers. */
    close(): void {
      for (const job of [...jobs.values()]) job.stop();
    },
  };
}

export type LeaveDelegation = ReturnType<typeof createLeaveDelegation>;
