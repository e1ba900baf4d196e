# bunduit as a container image: the one compiled executable and the C library it links
# against, on an otherwise empty filesystem. No Bun, no node_modules, no shell.
# How to build and run it: docs/deploying/docker.md.

# The build stage is node + `npm ci`, not oven/bun: Bun is a devDependency pinned in
# package-lock.json, so `npm ci` installs exactly the Bun that CI and developers use, and
# `npm run build` is the very command .ci/run runs. An oven/bun tag would be a second Bun pin
# to keep in step, and that image has no npm to honour package-lock.json.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN npm run build && ./dist/bunduit version

# The runtime filesystem, assembled here because the final stage has no shell. The compiled
# binary needs only glibc (`ldd dist/bunduit`: libc, libm, libpthread, libdl and the loader;
# SQLite, TLS and the JavaScript engine are inside it), so those files are copied from this
# stage, the glibc the binary was built and checked against. That gives what a distroless
# "base" image would, without naming a second base image to pull and keep patched: rebuild
# the image to pick up a glibc security update.
# Also: /tmp (SQLite's temporary files), a passwd entry for the unprivileged user 65532, the
# data directory it owns, and /etc/bunduit, the working directory where ./conduit.toml is looked up,
# holding the image's defaults (docker/conduit.toml) that an operator's mounted file replaces.
RUN set -eu; \
    root=/rootfs; \
    mkdir -p "$root/usr/local/bin" "$root/etc/bunduit" "$root/var/lib/bunduit" "$root/tmp"; \
    cp dist/bunduit "$root/usr/local/bin/bunduit"; \
    cp docker/conduit.toml "$root/etc/bunduit/conduit.toml"; \
    for lib in $(ldd dist/bunduit | grep -o '/[^ ]*'); do cp --parents -L "$lib" "$root"; done; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nbunduit:x:65532:65532:bunduit:/var/lib/bunduit:/sbin/nologin\n' >"$root/etc/passwd"; \
    printf 'root:x:0:\nbunduit:x:65532:\n' >"$root/etc/group"; \
    chmod 1777 "$root/tmp"; \
    chown 65532:65532 "$root/var/lib/bunduit"

FROM scratch
COPY --from=build /rootfs/ /
# Fails the build if the copied libraries are not enough (exec form: there is no shell).
RUN ["/usr/local/bin/bunduit", "version"]
# In a container the server must listen on every interface and keep its data in the volume.
# That is said by the image's /etc/bunduit/conduit.toml, not by ENV: an environment variable
# would override an operator's mounted conduit.toml, whose database_path would then be
# ignored and the data written where no volume keeps it. -e CONDUIT_... still overrides.
# CONDUIT_SERVER_NAME has no useful default: set it (or server_name in a mounted file).
USER 65532:65532
WORKDIR /etc/bunduit
VOLUME ["/var/lib/bunduit"]
EXPOSE 6167
# No HEALTHCHECK: Docker runs it inside the container and there is no shell or HTTP client
# here. Probe GET /_matrix/client/versions from outside (orchestrator, reverse proxy) instead.
# SIGTERM (docker stop) finishes in-flight requests for shutdown_grace_seconds, checkpoints
# the database and exits 0; give `docker stop` more time than that grace (--stop-timeout).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/bunduit"]
CMD ["serve"]
LABEL org.opencontainers.image.title="bunduit" \
      org.opencontainers.image.description="A Matrix homeserver in one executable" \
      org.opencontainers.image.licenses="Apache-2.0"
