/**
 * Application services, put together: the registry of registrations, what an as_token may
 * do, the queries and lookups sent to appservices, and the durable push of everything
 * they are interested in. Nothing is sent until `start()` (the server calls it; the CLI,
 * which builds the same services, never does).
 */
import type { Config } from "../../config.ts";
import type { Logger } from "../../logger.ts";
import type { Stores } from "../../storage/index.ts";
import type { Clock } from "../clock.ts";
import type { DeviceKeys } from "../e2ee/device-keys.ts";
import type { DeviceLists } from "../e2ee/device-lists.ts";
import type { ToDevice } from "../e2ee/to-device.ts";
import type { Requester } from "../requester.ts";
import type { Signals } from "../signals.ts";
import type { AppserviceApi } from "./appservice-api.ts";
import type { AppserviceEventSource } from "./event-source.ts";
import { createFeeds } from "./feeds.ts";
import { createRoomInterest } from "./interest.ts";
import { createOutboundQueue } from "./outbound-queue.ts";
import { pingAppservice } from "./ping.ts";
import type { AppserviceRegistry } from "./registry.ts";
import { createThirdPartyLookups } from "./third-party.ts";

export interface AppserviceDependencies {
  config: Pick<Config, "appservices">;
  stores: Stores;
  registry: AppserviceRegistry;
  api: AppserviceApi;
  source: AppserviceEventSource;
  toDevice: ToDevice;
  deviceLists: DeviceLists;
  deviceKeys: Pick<DeviceKeys, "oneTimeKeyCounts" | "unusedFallbackKeyTypes">;
  signals: Pick<Signals, "toDeviceDelivered" | "deviceListChanged" | "ephemeral">;
  clock: Clock;
  logger: Logger;
}

export function createAppserviceDelivery(deps: AppserviceDependencies) {
  const { config, stores, registry, api, source, logger } = deps;
  const queue = createOutboundQueue({
    stores,
    registry,
    api,
    settings: config.appservices,
    clock: deps.clock,
    logger,
    body: {
      clientEvent: (eventId) => source.clientEvent(eventId),
      devicesOf: (userId) => stores.devices.selectDevicesByUser(userId).map((device) => device.device_id),
      oneTimeKeyCounts: (userId, deviceId) => deps.deviceKeys.oneTimeKeyCounts(userId, deviceId),
      unusedFallbackKeyTypes: (userId, deviceId) => deps.deviceKeys.unusedFallbackKeyTypes(userId, deviceId),
    },
  });
  const interest = createRoomInterest(source);
  // A new list of appservices, or another process's writes, make the cached answers stale.
  registry.reloaded.subscribe(() => interest.clear());
  const feeds = createFeeds({
    stores,
    registry,
    queue,
    interest,
    toDevice: deps.toDevice,
    deviceLists: deps.deviceLists,
  });
  const thirdParty = createThirdPartyLookups(registry, api);
  let stopFeeds: (() => void) | undefined;
  // Typing, receipts and presence reach the application services that asked for ephemeral data.
  deps.signals.ephemeral.subscribe((event) => feeds.enqueueEphemeral(event));

  /** What the feeds may have missed: committed while the server was down, or by another process. */
  function catchUp(): void {
    feeds.catchUpDeviceLists();
    feeds.collectAllToDevice();
  }

  return {
    queue,
    thirdParty,
    /**
     * The append hooks: inside the room's transaction the event is queued for every
     * interested appservice; after the commit those appservices are woken. Always on, also
     * in the CLI (its account actions may append room events); only sending waits for start().
     */
    enqueueEphemeral: feeds.enqueueEphemeral,
    appendHooks: { queueEvent: feeds.queueEvent, wakeQueued: feeds.wakeQueued },

    /** A successful ping also ends a waiting backoff: the appservice is evidently back. */
    async ping(
      requester: Requester,
      appserviceId: string,
      transactionId: string | undefined,
    ): Promise<{ duration_ms: number }> {
      const result = await pingAppservice(registry, api, requester, appserviceId, transactionId);
      queue.retryNow(appserviceId);
      return result;
    },

    /**
     * Registrations changed by another process (the CLI): re-reads them, queues what the
     * feeds missed and retries every appservice. A periodic task of app.ts runs it.
     */
    pollRegistrations(): void {
      if (!stopFeeds) return;
      // reloadIfChanged reloads (and so clears the interest cache) on any other process's commit.
      if (!registry.reloadIfChanged()) return;
      catchUp();
      for (const appservice of registry.list()) queue.retryNow(appservice.id);
    },

    /** Subscribes the feeds, queues what was missed and resumes delivery. */
    start(): void {
      if (stopFeeds) return;
      const unsubscribe = [
        deps.signals.toDeviceDelivered.subscribe(({ user_id, device_id }) => feeds.collectToDevice(user_id, device_id)),
        deps.signals.deviceListChanged.subscribe(() => feeds.catchUpDeviceLists()),
      ];
      catchUp();
      queue.start();
      stopFeeds = () => unsubscribe.forEach((stop) => stop());
    },

    /** Stops the feeds and waits for requests in flight; the queue keeps what is unsent. */
    async stop(): Promise<void> {
      stopFeeds?.();
      stopFeeds = undefined;
      await queue.stop();
    },

    unstableFeatures: (): Record<string, boolean> => ({ "fi.mau.msc2659": true, "fi.mau.msc2659.stable": true }),
  };
}

export type AppserviceDelivery = ReturnType<typeof createAppserviceDelivery>;
