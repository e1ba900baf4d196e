/**
 * MatrixRTC transport discovery (MSC4143, now MSC4519): which LiveKit SFUs, through their
 * authorization services, this server offers its users. Element Call ≥ v0.24 asks
 * /rtc/transports; older clients and Element Web's fallback read `rtc_foci` from
 * /.well-known/matrix/client, so both are served from the one config list.
 * https://github.com/matrix-org/matrix-spec-proposals/pull/4143
 */
import type { Config } from "../../config.ts";

export type RtcTransport = Config["matrix_rtc"]["transports"][number];

export function createMatrixRtc(config: Pick<Config, "matrix_rtc">) {
  const transports: readonly RtcTransport[] = config.matrix_rtc.transports;

  return {
    /**
     * In order of preference. An empty list rather than Synapse's `{}` when none are
     * configured: matrix-js-sdk reads `rtc_transports` without checking for it.
     */
    listTransports(): { rtc_transports: RtcTransport[] } {
      return { rtc_transports: [...transports] };
    },

    /** Omitted when nothing is configured, so clients do not try an empty list. */
    clientWellKnownFields(): Record<string, unknown> {
      return transports.length > 0 ? { "org.matrix.msc4143.rtc_foci": [...transports] } : {};
    },

    /** Synapse advertises the flag with the endpoint; clients do not check it, but it says RTC is set up. */
    unstableFeatures(): Record<string, boolean> {
      return transports.length > 0 ? { "org.matrix.msc4143": true } : {};
    },
  };
}

export type MatrixRtc = ReturnType<typeof createMatrixRtc>;
