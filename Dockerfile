# GridPulse app image (used by docker-compose.yml). The embedded engine ships in the chdb
# package, so the same image also runs alone without CLICKHOUSE_URL.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build
ENV NODE_ENV=production PORT=8080 DATA_DIR=/data
EXPOSE 8080
# node itself (not the tsx wrapper), so signals reach the process that owns the store.
CMD ["node", "--import", "tsx", "server/main.ts"]
