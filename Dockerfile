# syntax=docker/dockerfile:1
#
# The portwatch container image.
#
#   docker build -t portwatch .
#   docker run -p 9798:9798 -v "$PWD/portwatch.yaml:/etc/portwatch/portwatch.yaml:ro" \
#     -v portwatch-data:/var/lib/portwatch portwatch
#
# Runs as uid 1000 (the base image's `node` user) and needs no capabilities: TCP connect
# checks are ordinary outgoing connections. Flags go after the image name and replace CMD,
# so repeat --config.file when you add others. The working directory /var/lib/portwatch is a
# volume owned by uid 1000: what portwatch keeps on disk (relative paths) lands there.

# A current Node.js LTS on Debian 13. We support Node.js >= 20; any such image builds it.
ARG NODE_IMAGE=node:24-trixie-slim

# Build with the dev dependencies (the TypeScript compiler), then drop them. On the builder's
# own platform: the output is JavaScript and the production dependencies have no native
# code, so one build serves every platform of the image without emulating the compiler.
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund
# The empty state directory, copied with its owner below: the final stage runs nothing.
RUN mkdir -p /var-lib/portwatch

# Run with Node.js, the compiled code, the production dependencies and the default config.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The embedded default (--config.file not given) and the one CMD points at.
COPY config ./config
COPY config/portwatch.yaml /etc/portwatch/portwatch.yaml
# State on a volume owned by the user that runs portwatch; a named volume or a Kubernetes
# volume claim mounted there starts with this owner (fsGroup 1000 for the claim).
COPY --from=build --chown=1000:1000 /var-lib/ /var/lib/
WORKDIR /var/lib/portwatch
VOLUME /var/lib/portwatch
# Numeric, so that Kubernetes' runAsNonRoot can tell it is not root.
USER 1000:1000
EXPOSE 9798
# No curl in slim images: Node.js itself asks /-/healthy. Adjust the port if you change
# --web.listen-address.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9798/-/healthy').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# V8's young generation capped (src/cli/node-flags.ts): V8 would size it from the host's
# memory, and a large host would let it take far more than portwatch needs.
ENTRYPOINT ["node", "--max-semi-space-size=16", "/app/dist/cli.js"]
CMD ["--config.file=/etc/portwatch/portwatch.yaml"]
