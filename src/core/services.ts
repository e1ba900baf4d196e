/** The domain services, built from the config and the stores; app.ts hands them to the API. */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Stores } from "../storage/index.ts";
import { createAppserviceApi } from "./appservices/appservice-api.ts";
import { createAppserviceUsers } from "./appservices/appservice-users.ts";
import { roomEventSource } from "./appservices/room-event-source.ts";
import { createIdentityAssertion } from "./appservices/identity-assertion.ts";
import { createAppserviceDelivery } from "./appservices/index.ts";
import { createAppserviceQueries } from "./appservices/queries.ts";
import { createAppserviceRegistrations } from "./appservices/registrations.ts";
import { createAppserviceRegistry } from "./appservices/registry.ts";
import type { Clock } from "./clock.ts";
import { createDelayedEvents } from "./delayed-events/index.ts";
import { createCrossSigning } from "./e2ee/cross-signing.ts";
import { createDeviceKeys } from "./e2ee/device-keys.ts";
import { createDeviceLists, type DeviceListListener } from "./e2ee/device-lists.ts";
import { createKeyBackup } from "./e2ee/key-backup.ts";
import { createKeyQuery } from "./e2ee/key-query.ts";
import { createToDevice, type ToDeviceListener } from "./e2ee/to-device.ts";
import { createGatewaySender } from "./push/gateway-sender.ts";
import { createNotifications, type EventsByStreamPositions } from "./push/notifications.ts";
import { createPushers } from "./push/pushers.ts";
import { createPushRules } from "./push/push-rules.ts";
import { createRateLimits } from "./rate-limits.ts";
import { createMediaFiles, mediaDirectory } from "./media/media-files.ts";
import { createMediaRepo } from "./media/media-repo.ts";
import { createMediaRetention } from "./media/retention.ts";
import { createThumbnailer } from "./media/thumbnailer.ts";
import { createThumbnails } from "./media/thumbnails.ts";
import { createRoomServices } from "./rooms/index.ts";
import { createSyncServices } from "./sync/index.ts";
import { createTimeline } from "./timeline/index.ts";
import { deviceListPositionOf } from "./sync/sync-token.ts";
import { evaluatePushOnAppend } from "./rooms/push-evaluation.ts";
import { createServerIdentity } from "./server-identity.ts";
import type { AppendedEvents } from "./rooms/appended-events.ts";
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
import { createLiveKitAuthorization, type IsJoinedMember } from "./voip/livekit/authorization.ts";
import { createMatrixRtc } from "./voip/matrix-rtc.ts";
import { createTurnCredentials } from "./voip/turn-credentials.ts";

export interface ServiceOptions {
  /** The thumbnail worker's script; app.ts resolves it so that it also works inside the binary. */
  thumbnailWorkerUrl: string;
  /** The emitter through which the room engine announces events after commit. */
  appended: AppendedEvents;
  /** Whether a user is joined to a room, for the MatrixRTC authorization service; the room engine's unless a test stands in. */
  isJoinedMember: IsJoinedMember | undefined;
  /** The events of GET /notifications; the room engine's unless a test stands in. */
  eventsByStreamPositions: EventsByStreamPositions | undefined;
}

export function createServices(config: Readonly<Config>, stores: Stores, logger: Logger, clock: Clock, options: ServiceOptions) {
  const identity = createServerIdentity(config, stores.serverKeys, clock);
  const openId = createOpenId(stores, config.server_name, clock);
  const rateLimits = createRateLimits(config, clock);
  const sessions = createSessions(stores, clock, config.refreshable_access_token_lifetime, config.ip_source);
  const devices = createDevices(stores, sessions, clock);
  const appserviceRegistry = createAppserviceRegistry(stores, config.server_name, logger);
  const appserviceApi = createAppserviceApi({ timeoutMs: config.appservices.request_timeout_ms });
  const appserviceQueries = createAppserviceQueries(appserviceRegistry, appserviceApi);
  sessions.acceptAppserviceTokens(createIdentityAssertion(stores, appserviceRegistry));
  const profiles = createProfiles(stores, config.server_name, appserviceQueries.queryUserExists);
  const accounts = createAccounts(stores, config.server_name, clock, devices, profiles);
  const uia = createUserInteractiveAuth(stores, accounts, rateLimits.login, config, clock);
  // Member events carry the user's profile (displayname, avatar_url).
  const { timeline, readers } = createTimeline(stores, clock);
  const { clientEvents, visibility } = readers;
  const { rooms, directory, reports, engine, sending } = createRoomServices({
    stores, identity, clock, appended: options.appended, readers, getProfile: profiles.memberProfile,
    assertAliasAllowed: appserviceRegistry.assertAliasAllowed,
    queryUnknownAlias: appserviceQueries.queryAliasExists,
  });
  const delayedEvents = createDelayedEvents({
    config, stores, sending, clock, logger,
    limiters: { message: rateLimits.message, management: rateLimits.delayedEventManagement },
  });
  // In the append's transaction: another user's state change cancels delayed events for that state.
  engine.onWithinAppend((event) => delayedEvents.onEventAppended(event));
  accounts.onDeactivated((userId) => delayedEvents.cancelAllOf(userId));
  profiles.onProfileChanged((userId, field) => {
    if (field !== DISPLAYNAME && field !== AVATAR_URL) return;
    rooms.updateMemberProfiles(userId).catch((error: unknown) => logger.error("sending a profile change to rooms failed", { user_id: userId, error: String(error) }));
  });
  accounts.onDeactivated((userId) => {
    rooms.leaveAllRooms(userId).catch((error: unknown) => logger.error("leaving the rooms of a deactivated user failed", { user_id: userId, error: String(error) }));
  });
  const appserviceUsers = createAppserviceUsers({ stores, registry: appserviceRegistry, accounts, devices, sessions, serverName: config.server_name });

  /** Called after commit; the sync engine registers here to wake long-polls. */
  const notifications = { toDevice: [] as ToDeviceListener[], deviceLists: [] as DeviceListListener[] };
  const deviceLists = createDeviceLists(stores, logger, notifications.deviceLists, {
    usersSharingRoomWith: (userId) => rooms.usersSharingRoomWith(userId),
    // /keys/changes takes the next_batch tokens of /sync, and asks sync who started or stopped sharing a room.
    streamPositionOf: deviceListPositionOf,
    membershipChangesBetween: (userId, from, to) => syncServices.deviceListMembershipChanges(userId, from, to),
  });
  const deviceKeys = createDeviceKeys(stores, config.server_name, deviceLists);
  const toDevice = createToDevice(stores, config, clock, logger, notifications.toDevice);
  // A deleted device takes its keys and its to-device inbox with it.
  devices.onDevicesDeleted((userId, deviceIds) => {
    for (const deviceId of deviceIds) {
      deviceKeys.deleteDeviceKeys(userId, deviceId);
      toDevice.deleteInbox(userId, deviceId);
    }
  });

  const pushRules = createPushRules(stores);
  const pushNotifications = createNotifications({ stores, pushRules, clock, eventsByStreamPositions: options.eventsByStreamPositions ?? timeline.eventsByStreamPositions });
  const pushers = createPushers(stores, clock);
  const pushGateway = createGatewaySender({ stores, logger, unreadTotal: pushNotifications.unreadTotal });
  engine.onWithinAppend(evaluatePushOnAppend({ stores, engine, serverName: config.server_name, notifications: pushNotifications, gateway: pushGateway }));
  // Pushers set by a device go with it (foreign key); those without a device go here.
  accounts.onDeactivated((userId) => pushers.deletePushersOf(userId));

  const accountData = createAccountData(stores);
  const filters = createFilters(stores);
  // Sync, typing, receipts and presence; its notifier subscribes to every after-commit signal above.
  const syncServices = createSyncServices({
    config, stores, clock, logger, appended: options.appended, rooms, visibility, clientEvents,
    accountData, pushRules, pushNotifications, pushGateway, toDevice, deviceKeys, deviceLists, filters,
    threadOf: timeline.threadOf,
    listeners: notifications,
  });

  const mediaFiles = createMediaFiles(mediaDirectory(config));
  const media = createMediaRepo({ config, stores, files: mediaFiles, clock, logger });
  const thumbnailer = createThumbnailer({ workerUrl: options.thumbnailWorkerUrl, logger, maxPixels: config.media.max_image_pixels });

  const appserviceDelivery = createAppserviceDelivery({
    config,
    stores,
    registry: appserviceRegistry,
    api: appserviceApi,
    source: roomEventSource(stores, engine, clientEvents),
    toDevice,
    deviceLists,
    deviceKeys,
    notifications,
    clock,
    logger,
  });
  // Typing, receipts and presence reach the application services that asked for ephemeral data.
  syncServices.onEphemeral((event) => appserviceDelivery.enqueueEphemeral(event));

  return {
    config,
    logger,
    clock,
    identity,
    rateLimits,
    sessions,
    devices,
    profiles,
    accounts,
    uia,
    registration: createRegistration({
      config, stores, accounts, devices, sessions, uia,
      registrationLimiter: rateLimits.registration,
      appservices: { registry: appserviceRegistry, users: appserviceUsers },
    }),
    login: createLogin({ config, stores, accounts, devices, sessions, loginLimiter: rateLimits.login, appservices: { registry: appserviceRegistry, users: appserviceUsers } }),
    accountManagement: createAccountManagement(stores, accounts, devices, uia),
    accountData,
    filters,
    pushRules,
    pushNotifications,
    pushers,
    pushGateway,
    userDirectory: createUserDirectory(stores),
    openId,
    turn: createTurnCredentials(config, clock),
    matrixRtc: createMatrixRtc(config),
    notifications,
    toDevice,
    deviceLists,
    deviceKeys,
    keyQuery: createKeyQuery(stores, config.server_name),
    crossSigning: createCrossSigning(stores, deviceLists, uia),
    keyBackup: createKeyBackup(stores),
    media,
    mediaFiles,
    thumbnailer,
    thumbnails: createThumbnails({ repo: media, store: stores.media, files: mediaFiles, thumbnailer, clock, logger, maxPixels: config.media.max_image_pixels }),
    mediaRetention: createMediaRetention({ serverName: config.server_name, stores, files: mediaFiles, clock }),
    liveKit: createLiveKitAuthorization({
      config, openId, logger, clock,
      isJoinedMember: options.isJoinedMember ?? rooms.isJoinedMember,
      // Leave delegation restarts and sends the participants' delayed leave events in-process.
      delayedEvents,
    }),
    delayedEvents,
    appended: options.appended,
    rooms,
    timeline,
    directory,
    reports,
    clientEvents,
    sync: syncServices.sync,
    typing: syncServices.typing,
    receipts: syncServices.receipts,
    presence: syncServices.presence,
    syncNotifier: { close: syncServices.closeLongPolls, parkedCount: syncServices.parkedLongPolls },
    appservices: {
      ...appserviceDelivery,
      registry: appserviceRegistry,
      registrations: createAppserviceRegistrations(stores, appserviceRegistry, accounts, config.server_name, clock, logger),
      /** For the profile and directory paths: ask the appservices before answering "not found". */
      queryUserExists: appserviceQueries.queryUserExists,
      /** For alias resolution in the rooms engine: ask the appservices before answering 404. */
      queryAliasExists: appserviceQueries.queryAliasExists,
      /** For alias creation in the rooms engine: 400 M_EXCLUSIVE inside another's exclusive alias namespace. */
      assertAliasNotExclusive: appserviceRegistry.assertAliasAllowed,
    },
  };
}

export type Services = ReturnType<typeof createServices>;
