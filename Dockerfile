# mgrd in a container: build with the dev dependencies, run with the runtime
# ones only, as the unprivileged `node` user, read-only root filesystem friendly
# (everything written goes to the data dir volume, /var/lib/mgrd).
#   docker build -t mgrd .
#   docker run --rm -p 9283:9283 mgrd run --sim
# With several managers, use the etcd map store (helm/mgrd does).

FROM node:20.19-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY exporters ./exporters
COPY modules ./modules
RUN npm run build

FROM node:20.19-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM node:20.19-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
# Read at run time from the source tree: the simulator's perf schemas, the Ceph agent's helper.
COPY src/sim/schemas ./src/sim/schemas
COPY src/agent/rados-helper.py ./src/agent/rados-helper.py
RUN mkdir -p /var/lib/mgrd && chown node:node /var/lib/mgrd
USER node
VOLUME ["/var/lib/mgrd"]
# wire protocol, admin API, prometheus
EXPOSE 7450 7000 9283
ENTRYPOINT ["node", "--max-semi-space-size=4", "bin/mgrd.js"]
CMD ["run", "--data-dir", "/var/lib/mgrd", "--admin-addr", "0.0.0.0:7000"]
