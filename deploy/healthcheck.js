#!/usr/bin/env node
// Container health probe: GET http://127.0.0.1:$PORT<path> and exit 0 on a 2xx answer, 1 otherwise.
// Used by the Dockerfile's HEALTHCHECK and docker-compose.yml (the slim image has no curl).
// Usage: node deploy/healthcheck.js [/health | /health/ready]
'use strict';
const http = require('node:http');

const path = process.argv[2] || '/health';
const port = Number(process.env.PORT) || 8080;
const TIMEOUT_MS = 4000;

const request = http.get({ host: '127.0.0.1', port, path, timeout: TIMEOUT_MS }, (response) => {
  response.resume();
  const ok = response.statusCode >= 200 && response.statusCode < 300;
  if (!ok) console.error(`healthcheck: GET ${path} -> ${response.statusCode}`);
  process.exit(ok ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
request.on('error', (error) => {
  console.error(`healthcheck: GET ${path} failed: ${error.message}`);
  process.exit(1);
});
