/**
 * The domain services, built from the config and the stores; app.ts hands them to the API.
 * One factory per area, called in dependency order: each receives only what was built
 * before it, so this file reads top to bottom. Areas hear of each other's changes through
 * the signals (signals.ts), created first; what runs on a room append is listed in
 * append-pipeline.ts.
 */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";
import { appendPipeline } from "./append-pipeline.ts";
import { createAppserviceApi } from "./appservices/appservice-api.ts";
import { createAppserviceUsers } from "./appservices/appservice-users.ts";
import { createIdentityAssertion } from "./appservices/identity-assertion.ts";
import { createAppserviceDelivery } from "./appservices/index.ts";
import { createAppserviceQueries } from "./appservices/queries.ts";
import { createAppserviceRegistrations } from "./appservices/registrations.ts";
import { createAppserviceRegistry } from "./appservices/registry.ts";
import { roomEventSource } from "./appservices/room-event-source.ts";
import type { Clock } from "./clock.ts";
import { createDelayedEvents } from "./delayed-events/index.ts";
import { createSendOrSchedule } from "./delayed-events/send-or-schedule.ts";
import { createCrossSigning } from "./e2ee/cross-signing.ts";
import { createDeviceKeys } from "./e2ee/device-keys.ts";
import { createDeviceLists } from "./e2ee/device-lists.ts";
import { createKeyBackup } from "./e2ee/key-backup.ts";
import { createKeyQuery } from "./e2ee/key-query.ts";
import { createToDevice } from "./e2ee/to-device.ts";
import { createMediaFiles, mediaDirectory } from "./media/media-files.ts";
import { createMediaRepo } from "./media/media-repo.ts";
import { createMediaRetention } from "./media/retention.ts";
import { createThumbnailer } from "./media/thumbnailer.ts";
import { createThumbnails } from "./media/thumbnails.ts";
import { createGatewaySender } from "./push/gateway-sender.ts";
import { createNotifications } from "./push/notifications.ts";
import { createPushOnAppend } from "./push/push-on-append.ts";
import { createPushers } from "./push/pushers.ts";
import { createPushRules } from "./push/push-rules.ts";
import { createRateLimits } from "./rate-limits.ts";
import { createRoomServices } from "./rooms/index.ts";
import { createServerIdentity } from "./server-identity.ts";
import { createSignals, type Signals } from "./signals.ts";
import { createSyncServices } from "./sync/index.ts";
import { createMembershipDeviceListChanges } from "./sync/streams/device-lists.ts";
import { createSharedRooms } from "./sync/streams/shared-rooms.ts";
import { deviceListPositionOf } from "./sync/sync-token.ts";
import { createTimeline, type Timeline } from "./timeline/index.ts";
import { createAccountData } from "./users/account-data.ts";
import { createAccountManagement } from "./users/account-management.ts";
import { createAccounts } from "./users/accounts.ts";
import { createDevices } from "./users/devices.ts";
import { createFilters } from "./users/filters.ts";
import { createLogin } from "./users/login.ts";
import { createOpenId } from "./users/openid.ts";
import { AVATAR_URL, createProfiles, DISPLAYNAME } from "./users/profiles.ts";
import { createRegistration } from "./users/registration.ts";
import { createSessions } from "./users/sessions.ts";
import { createUserDirectory } from "./users/user-directory.ts";
import { createUserInteractiveAuth } from "./users/user-interactive-auth.ts";
import { createLiveKitAuthorization } from "./voip/livekit/authorization.ts";
import { createMatrixRtc } from "./voip/matrix-rtc.ts";
import { createTurnCredentials } from "./voip/turn-credentials.ts";

export interface ServiceOptions {
  /** The thumbnail worker's script; app.ts resolves it so that it also works inside the binary. */
  thumbnailWorkerUrl: string;
}

/** What every area receives. */
interface Base {
  config: Readonly<Config>;
  stores: Stores;
  logger: Logger;
  clock: Clock;
  signals: Signals;
}

/** The registered application services, which authentication, profiles and aliases ask first. */
function appserviceRegistryArea({ config, stores, logger }: Base) {
  const registry = createAppserviceRegistry(stores, config.server_name, logger);
  const api = createAppserviceApi({ timeoutMs: config.appservices.request_timeout_ms });
  return { registry, api, queries: createAppserviceQueries(registry, api) };
}

function userArea(base: Base, appservices: ReturnType<typeof appserviceRegistryArea>) {
  const { config, stores, clock, signals } = base;
  const rateLimits = createRateLimits(config, clock);
  const sessions = createSessions(
    stores,
    clock,
    config.refreshable_access_token_lifetime,
    config.ip_source,
    createIdentityAssertion(stores, appservices.registry),
  );
  const devices = createDevices(stores, sessions, clock, signals.devicesDeleted);
  const profiles = createProfiles(
    stores,
    config.server_name,
    signals.profileChanged,
    appservices.queries.queryUserExists,
  );
  const accounts = createAccounts(stores, config.server_name, clock, devices, profiles, signals.userDeactivated);
  const uia = createUserInteractiveAuth(stores, accounts, rateLimits.login, config, clock);
  const appserviceUsers = createAppserviceUsers({
    stores,
    registry: appservices.registry,
    accounts,
    devices,
    sessions,
    serverName: config.server_name,
  });
  const asAppservices = { registry: appservices.registry, users: appserviceUsers };
  return {
    rateLimits,
    sessions,
    devices,
    profiles,
    accounts,
    uia,
    openId: createOpenId(stores, config.server_name, clock),
    registration: createRegistration({
      config,
      stores,
      accounts,
      devices,
      sessions,
      uia,
      registrationLimiter: rateLimits.registration,
      appservices: asAppservices,
    }),
    login: createLogin({
      config,
      stores,
      accounts,
      devices,
      sessions,
      loginLimiter: rateLimits.login,
      appservices: asAppservices,
    }),
    accountManagement: createAccountManagement(stores, accounts, devices, uia),
    accountData: createAccountData(stores, signals.accountDataChanged),
    filters: createFilters(stores),
    userDirectory: createUserDirectory(stores),
  };
}

function e2eeArea(
  { config, stores, clock, logger, signals }: Base,
  timeline: Timeline,
  users: ReturnType<typeof userArea>,
) {
  const deviceLists = createDeviceLists(stores, signals.deviceListChanged, {
    usersSharingRoomWith: timeline.usersSharingRoomWith,
    // /keys/changes takes the next_batch tokens of /sync, and asks who started or stopped sharing a room.
    streamPositionOf: deviceListPositionOf,
    membershipChangesBetween: createMembershipDeviceListChanges(stores, createSharedRooms(stores)),
  });
  const deviceKeys = createDeviceKeys(stores, config.server_name, deviceLists);
  const toDevice = createToDevice(stores, config, clock, logger, signals.toDeviceDelivered);
  // A deleted device takes its keys and its to-device inbox with it.
  signals.devicesDeleted.subscribe(({ user_id, device_ids }) => {
    for (const deviceId of device_ids) {
      deviceKeys.deleteDeviceKeys(user_id, deviceId);
      toDevice.deleteInbox(user_id, deviceId);
    }
  });
  return {
    deviceLists,
    deviceKeys,
    toDevice,
    keyQuery: createKeyQuery(stores, config.server_name),
    crossSigning: createCrossSigning(stores, deviceLists, users.uia),
    keyBackup: createKeyBackup(stores),
  };
}

function pushArea({ config, stores, clock, logger, signals }: Base, timeline: Timeline) {
  const pushRules = createPushRules(stores, signals.pushRulesChanged);
  const pushNotifications = createNotifications({
    stores,
    pushRules,
    clock,
    eventsByStreamPositions: timeline.eventsByStreamPositions,
  });
  const pushGateway = createGatewaySender({ stores, logger, unreadTotal: pushNotifications.unreadTotal });
  const pushOnAppend = createPushOnAppend({
    stores,
    serverName: config.server_name,
    notifications: pushNotifications,
    gateway: pushGateway,
  });
  return { pushRules, pushNotifications, pushGateway, pushOnAppend, pushers: createPushers(stores, clock) };
}

function mediaArea({ config, stores, clock, logger }: Base, options: ServiceOptions) {
  const mediaFiles = createMediaFiles(mediaDirectory(config));
  const media = createMediaRepo({ config, stores, files: mediaFiles, clock, logger });
  const thumbnailer = createThumbnailer({
    workerUrl: options.thumbnailWorkerUrl,
    logger,
    maxPixels: config.media.max_image_pixels,
  });
  return {
    media,
    mediaFiles,
    thumbnailer,
    thumbnails: createThumbnails({
      repo: media,
      store: stores.media,
      files: mediaFiles,
      thumbnailer,
      clock,
      logger,
      maxPixels: config.media.max_image_pixels,
    }),
    mediaRetention: createMediaRetention({ serverName: config.server_name, stores, files: mediaFiles, clock }),
  };
}

export function createServices(
  config: Readonly<Config>,
  stores: Stores,
  logger: Logger,
  clock: Clock,
  options: ServiceOptions,
) {
  const base: Base = { config, stores, logger, clock, signals: createSignals(logger) };
  const { signals } = base;
  const identity = createServerIdentity(config, stores.serverKeys, clock);
  const appserviceRegistry = appserviceRegistryArea(base);
  const users = userArea(base, appserviceRegistry);
  const { timeline, readers } = createTimeline(stores, clock);
  const e2ee = e2eeArea(base, timeline, users);
  const push = pushArea(base, timeline);
  const appserviceDelivery = createAppserviceDelivery({
    config,
    stores,
    clock,
    logger,
    signals,
    ...appserviceRegistry,
    ...e2ee,
    source: roomEventSource(stores, readers.clientEvents),
  });

  // The write side of rooms: the engine runs the append pipeline on every event it stores.
  const { rooms, directory, reports, sending } = createRoomServices({
    stores,
    identity,
    clock,
    logger,
    readers,
    hooks: appendPipeline({
      stores,
      clock,
      signals,
      push: push.pushOnAppend,
      appservices: appserviceDelivery.appendHooks,
    }),
    // Member events carry the user's profile (displayname, avatar_url).
    getProfile: users.profiles.memberProfile,
    assertAliasAllowed: appserviceRegistry.registry.assertAliasAllowed,
    queryUnknownAlias: appserviceRegistry.queries.queryAliasExists,
  });
  const delayedEvents = createDelayedEvents({
    config,
    stores,
    sending,
    clock,
    logger,
    limiters: { message: users.rateLimits.message, management: users.rateLimits.delayedEventManagement },
  });

  // What follows a user's own changes, now that rooms exist to carry them.
  signals.profileChanged.subscribe(({ user_id, field }) => {
    if (field !== DISPLAYNAME && field !== AVATAR_URL) return;
    rooms
      .updateMemberProfiles(user_id)
      .catch((error: unknown) =>
        logger.error("sending a profile change to rooms failed", { user_id, error: String(error) }),
      );
  });
  signals.userDeactivated.subscribe((userId) => {
    delayedEvents.cancelAllOf(userId);
    rooms
      .leaveAllRooms(userId)
      .catch((error: unknown) =>
        logger.error("leaving the rooms of a deactivated user failed", { user_id: userId, error: String(error) }),
      );
    // Pushers set by a device go with it (foreign key); those without a device go here.
    push.pushers.deletePushersOf(userId);
  });

  // Sync, typing, receipts and presence; its notifier subscribes to the after-commit signals.
  const syncServices = createSyncServices({
    config,
    stores,
    clock,
    logger,
    signals,
    rooms: timeline,
    visibility: readers.visibility,
    clientEvents: readers.clientEvents,
    ...push,
    ...e2ee,
    accountData: users.accountData,
    filters: users.filters,
    threadOf: timeline.threadOf,
  });
  const matrixRtc = createMatrixRtc(config);
  const liveKit = createLiveKitAuthorization({
    config,
    openId: users.openId,
    logger,
    clock,
    isJoinedMember: timeline.isJoinedMember,
    // Leave delegation restarts and sends the participants' delayed leave events in-process.
    delayedEvents,
  });

  return {
    config,
    logger,
    clock,
    signals,
    identity,
    ...users,
    ...e2ee,
    pushRules: push.pushRules,
    pushNotifications: push.pushNotifications,
    pushers: push.pushers,
    pushGateway: push.pushGateway,
    ...mediaArea(base, options),
    turn: createTurnCredentials(config, clock),
    matrixRtc,
    liveKit,
    delayedEvents,
    /** PUT /send and /state: sent now, or scheduled with MSC4140's delay. */
    roomEvents: createSendOrSchedule(rooms, delayedEvents),
    rooms,
    timeline,
    directory,
    reports,
    clientEvents: readers.clientEvents,
    sync: syncServices.sync,
    typing: syncServices.typing,
    receipts: syncServices.receipts,
    presence: syncServices.presence,
    syncNotifier: { close: syncServices.closeLongPolls, parkedCount: syncServices.parkedLongPolls },
    appservices: {
      ...appserviceDelivery,
      registry: appserviceRegistry.registry,
      registrations: createAppserviceRegistrations(
        stores,
        appserviceRegistry.registry,
        users.accounts,
        config.server_name,
        clock,
        logger,
      ),
      /** For the profile and directory paths: ask the appservices before answering "not found". */
      queryUserExists: appserviceRegistry.queries.queryUserExists,
      /** For alias resolution in the rooms engine: ask the appservices before answering 404. */
      queryAliasExists: appserviceRegistry.queries.queryAliasExists,
      /** For alias creation in the rooms engine: 400 M_EXCLUSIVE inside another's exclusive alias namespace. */
      assertAliasNotExclusive: appserviceRegistry.registry.assertAliasAllowed,
    },
  };
}

export type Services = ReturnType<typeof createServices>;
