// Validates `helm template` output for the remit chart.
//
// usage: node .ci/validate-manifests.mjs <tools/node dir> <rendered.yaml>...
//
// For every rendered document:
//  1. schema: the JSON schema of its kind, from npm kubernetes-models (Kubernetes API) and
//     @kubernetes-models/prometheus-operator (ServiceMonitor, PrometheusRule). KEDA's
//     ScaledObject has no published model there: it gets a hand-written structural check.
//  2. unknown fields: those schemas accept unknown keys, so every document is also pasted
//     into a generated .ts file as a literal typed with the same package's interface
//     (IDeployment, ...) and `tsc --noEmit` rejects misspelt or misplaced keys.
//  3. chart contract: restricted security context, Actuator probes on port "http", /tmp
//     emptyDir, /config ConfigMap, the credentials from the Secret (env vars, or files read as a
//     Spring config tree), every file the configuration names on a mounted volume, grace period
//     vs shutdown, the dashboard ConfigMap, selectors that match the pods (NetworkPolicy too), the
//     console's and the webhook receiver's ports, Services and policy rules, the webhook secret
//     only from a mounted Secret.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, resolve, basename } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';

const [toolsArg, ...files] = process.argv.slice(2);
if (!toolsArg || files.length === 0) {
  console.error('usage: validate-manifests.mjs <tools/node dir> <rendered.yaml>...');
  process.exit(2);
}
const tools = resolve(toolsArg);
const nm = join(tools, 'node_modules');
const yaml = createRequire(join(tools, 'package.json'))('js-yaml');

// apiVersion -> [module directory, TypeScript module specifier prefix]
function modelLocation(apiVersion) {
  if (apiVersion === 'monitoring.coreos.com/v1') {
    return ['@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
      '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'];
  }
  const dir = `kubernetes-models/${apiVersion}`; // "v1" (core) or "<group>/<version>"
  return existsSync(join(nm, dir, 'index.js')) ? [dir, dir] : null;
}

const errors = [];
const fail = (where, msg) => errors.push(`${where}: ${msg}`);
const tsDecls = [];
const tsImports = new Set();

async function validateSchema(doc, where) {
  const loc = modelLocation(doc.apiVersion);
  if (!loc) return false;
  const mod = await import(pathToFileURL(join(nm, loc[0], 'index.js')).href);
  const Model = mod[doc.kind];
  if (typeof Model !== 'function') return false;
  try {
    new Model(doc).validate();
  } catch (e) {
    fail(where, `schema: ${e.message}`);
  }
  const alias = `I_${doc.apiVersion.replace(/[^A-Za-z0-9]/g, '_')}_${doc.kind}`;
  tsImports.add(`import type { I${doc.kind} as ${alias} } from '${loc[1]}/${doc.kind}';`);
  tsDecls.push(`// ${where}\nexport const doc${tsDecls.length}: ${alias} = ${JSON.stringify(doc, null, 2)};`);
  return true;
}

// KEDA ScaledObject (keda.sh/v1alpha1): no schema in the npm model packages; check the
// fields KEDA requires and the kafka trigger's metadata by hand.
function validateScaledObject(doc, where) {
  const allowedSpec = new Set(['scaleTargetRef', 'pollingInterval', 'cooldownPeriod', 'initialCooldownPeriod',
    'idleReplicaCount', 'minReplicaCount', 'maxReplicaCount', 'fallback', 'advanced', 'triggers']);
  const s = doc.spec ?? {};
  for (const k of Object.keys(s)) if (!allowedSpec.has(k)) fail(where, `unknown spec field ${k}`);
  if (!s.scaleTargetRef?.name) fail(where, 'spec.scaleTargetRef.name is required');
  for (const k of ['pollingInterval', 'cooldownPeriod', 'minReplicaCount', 'maxReplicaCount']) {
    if (s[k] !== undefined && !Number.isInteger(s[k])) fail(where, `spec.${k} must be an integer`);
  }
  if (s.minReplicaCount > s.maxReplicaCount) fail(where, 'minReplicaCount > maxReplicaCount');
  if (!Array.isArray(s.triggers) || s.triggers.length === 0) fail(where, 'spec.triggers must be a non-empty list');
  for (const t of s.triggers ?? []) {
    if (t.type !== 'kafka') { fail(where, `unexpected trigger type ${t.type}`); continue; }
    for (const k of ['bootstrapServers', 'consumerGroup', 'topic', 'lagThreshold']) {
      if (typeof t.metadata?.[k] !== 'string' || t.metadata[k] === '') fail(where, `kafka trigger metadata.${k} must be a non-empty string`);
    }
    for (const [k, v] of Object.entries(t.metadata ?? {})) {
      if (typeof v !== 'string') fail(where, `kafka trigger metadata.${k} must be a string (KEDA metadata is map[string]string)`);
    }
  }
}

function parseDurationSeconds(v) {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(String(v));
  if (!m) return NaN;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600, undefined: 1 }[m[2]];
}

const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

function checkContract(docs, file) {
  const by = (kind) => docs.filter((d) => d.kind === kind);
  const deployments = by('Deployment');
  if (deployments.length !== 1) { fail(file, `expected exactly 1 Deployment, got ${deployments.length}`); return; }
  const dep = deployments[0];
  const w = `${file} Deployment/${dep.metadata.name}`;
  const pod = dep.spec.template.spec;
  const podLabels = dep.spec.template.metadata.labels;
  if (!matches(dep.spec.selector.matchLabels, podLabels)) fail(w, 'selector does not match the pod labels');
  const c = pod.containers.find((x) => x.name === 'remit');
  if (!c) { fail(w, 'no container named remit'); return; }

  // security: Kubernetes "restricted" Pod Security Standard
  const psc = pod.securityContext ?? {};
  const sc = c.securityContext ?? {};
  if (psc.runAsNonRoot !== true && sc.runAsNonRoot !== true) fail(w, 'runAsNonRoot must be true');
  if ((sc.runAsUser ?? psc.runAsUser) !== 10001) fail(w, 'must run as uid 10001');
  if (sc.readOnlyRootFilesystem !== true) fail(w, 'readOnlyRootFilesystem must be true');
  if (sc.allowPrivilegeEscalation !== false) fail(w, 'allowPrivilegeEscalation must be false');
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) fail(w, 'capabilities must drop ALL');
  if ((sc.seccompProfile ?? psc.seccompProfile)?.type !== 'RuntimeDefault') fail(w, 'seccompProfile must be RuntimeDefault');
  if (pod.automountServiceAccountToken !== false) fail(w, 'automountServiceAccountToken should be false');

  // port and probes
  const http = (c.ports ?? []).find((p) => p.name === 'http');
  if (!http || http.containerPort !== 8080) fail(w, 'container port 8080 named http is required');
  const probe = (name, path) => {
    const p = c[name];
    if (!p?.httpGet) return fail(w, `${name} with httpGet is required`);
    if (p.httpGet.port !== 'http') fail(w, `${name} must use port "http"`);
    if (p.httpGet.path !== path) fail(w, `${name} path must be ${path}, got ${p.httpGet.path}`);
  };
  probe('startupProbe', '/actuator/health/liveness');
  probe('livenessProbe', '/actuator/health/liveness');
  probe('readinessProbe', '/actuator/health/readiness');

  // resources
  for (const k of ['requests', 'limits']) {
    if (!c.resources?.[k]?.memory) fail(w, `resources.${k}.memory is required`);
  }
  if (!c.resources?.requests?.cpu) fail(w, 'resources.requests.cpu is required');

  // volumes: /tmp emptyDir, /config ConfigMap with application.yaml
  const volumes = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]));
  const mountAt = (path) => (c.volumeMounts ?? []).find((m) => m.mountPath === path);
  const tmp = mountAt('/tmp');
  if (!tmp || !volumes[tmp.name]?.emptyDir) fail(w, '/tmp must be an emptyDir (read-only root filesystem)');
  const cfgMount = mountAt('/config');
  const cfgVol = cfgMount && volumes[cfgMount.name]?.configMap;
  let appConfig = {};
  if (!cfgVol) fail(w, '/config must be a ConfigMap volume');
  else {
    const cm = by('ConfigMap').find((m) => m.metadata.name === cfgVol.name);
    if (!cm?.data?.['application.yaml']) fail(w, `ConfigMap ${cfgVol.name} with application.yaml is not rendered`);
    else {
      try { appConfig = yaml.load(cm.data['application.yaml']) ?? {}; } catch (e) { fail(w, `application.yaml: ${e.message}`); }
    }
  }

  // environment
  const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
  if (env.SPRING_CONFIG_ADDITIONAL_LOCATION?.value !== 'file:/config/') fail(w, 'SPRING_CONFIG_ADDITIONAL_LOCATION must be file:/config/');
  if (env.REMIT_WORKER_INSTANCE_ID?.valueFrom?.fieldRef?.fieldPath !== 'metadata.name') fail(w, 'REMIT_WORKER_INSTANCE_ID must come from metadata.name');
  if (!/-XX:MaxRAMPercentage=/.test(env.JAVA_TOOL_OPTIONS?.value ?? '')) fail(w, 'JAVA_TOOL_OPTIONS must set -XX:MaxRAMPercentage');
  const secrets = by('Secret');
  const mountOf = (file) => (c.volumeMounts ?? []).find((m) => file === m.mountPath || file.startsWith(m.mountPath.replace(/\/?$/, '/')));
  const imports = [].concat(appConfig?.spring?.config?.import ?? []);
  const credentials = { REMIT_API_KEY: 'remit.api.key', REMIT_API_SECRET: 'remit.api.secret',
    SPRING_DATASOURCE_USERNAME: 'spring.datasource.username', SPRING_DATASOURCE_PASSWORD: 'spring.datasource.password' };
  for (const [name, property] of Object.entries(credentials)) {
    // as an environment variable from the Secret, or as a file of a Secret volume read as a config tree
    let ref = env[name]?.valueFrom?.secretKeyRef;
    if (!env[name]) {
      const mount = (c.volumeMounts ?? []).find((m) => (volumes[m.name]?.secret?.items ?? []).some((i) => i.path === property));
      const tree = mount && `optional:configtree:${mount.mountPath.replace(/\/?$/, '/')}`;
      if (!mount) { fail(w, `${name} is neither an env var nor a file ${property} of a mounted Secret`); continue; }
      if (!imports.includes(tree)) fail(w, `${property} is mounted at ${mount.mountPath} but spring.config.import lacks ${tree}`);
      const vol = volumes[mount.name].secret;
      ref = { name: vol.secretName, key: vol.items.find((i) => i.path === property).key };
    }
    if (!ref?.name || !ref?.key) { fail(w, `${name} must come from a secretKeyRef`); continue; }
    const s = secrets.find((x) => x.metadata.name === ref.name);
    if (s && !(ref.key in (s.stringData ?? {})) && !(ref.key in (s.data ?? {}))) fail(w, `${name}: Secret ${ref.name} has no key ${ref.key}`);
    if (!s) console.log(`  note: ${name} reads the existing Secret ${ref.name} (key ${ref.key}), not rendered by the chart`);
  }

  // every file the configuration names (file: locations, config trees, JDBC certificates) is on a mounted volume
  const files = [];
  const collect = (node) => {
    if (typeof node === 'string') {
      for (const m of node.matchAll(/(?:^|[=:,])(?:optional:)?(?:configtree:|file:)(\/[^\s,;&]*)/g)) files.push(m[1]);
    } else if (node && typeof node === 'object') Object.values(node).forEach(collect);
  };
  collect(appConfig);
  for (const m of String(appConfig?.spring?.datasource?.url ?? '').matchAll(/[?&](?:sslrootcert|sslcert|sslkey)=(\/[^&]*)/g)) files.push(m[1]);
  for (const f of files) {
    if (f.startsWith('/config/')) continue;
    if (!mountOf(f)) fail(w, `the configuration reads ${f}, which is on no mounted volume`);
  }
  for (const m of c.volumeMounts ?? []) {
    if (!volumes[m.name]) fail(w, `volumeMount ${m.name} has no volume`);
    if (!['/tmp'].includes(m.mountPath) && m.readOnly !== true) fail(w, `volumeMount ${m.mountPath} should be readOnly`);
  }

  // shutdown: grace period > graceful shutdown phase >= API timeout
  const grace = pod.terminationGracePeriodSeconds;
  const phase = parseDurationSeconds(appConfig?.spring?.lifecycle?.['timeout-per-shutdown-phase'] ?? '30s');
  const apiTimeout = parseDurationSeconds(appConfig?.remit?.api?.timeout ?? '10s');
  if (!(grace > phase)) fail(w, `terminationGracePeriodSeconds (${grace}) must exceed the shutdown phase timeout (${phase}s)`);
  if (!(phase >= apiTimeout)) fail(w, `shutdown phase timeout (${phase}s) must cover remit.api.timeout (${apiTimeout}s)`);

  // autoscaling: the scaler owns the replica count
  const scalers = [...by('ScaledObject'), ...by('HorizontalPodAutoscaler')];
  for (const s of scalers) {
    if (s.spec.scaleTargetRef?.name !== dep.metadata.name) fail(`${file} ${s.kind}`, 'scaleTargetRef does not name the Deployment');
  }
  if (scalers.length > 0 && dep.spec.replicas !== undefined) fail(w, 'spec.replicas must be omitted when an autoscaler owns it');

  // Services, ServiceMonitor, PDB select the right things
  const services = by('Service');
  // the console: its own container port "ops" = remit.ops.port, its own Service; never Actuator's port
  const ops = (c.ports ?? []).find((p) => p.name === 'ops');
  const opsConfig = appConfig?.remit?.ops ?? {};
  if (appConfig?.management?.server?.port !== 8080) fail(w, 'management.server.port must be 8080 (port http)');
  if (appConfig?.server?.port !== undefined) fail(w, 'server.port is the console\'s: set remit.ops.port (console.port) instead');
  if (opsConfig.enabled === true) {
    if (!ops || ops.containerPort !== opsConfig.port) fail(w, `container port "ops" must be remit.ops.port (${opsConfig.port})`);
  } else if (ops) fail(w, 'container port "ops" without remit.ops.enabled');
  // Expereon's webhooks: container port "webhooks" = remit.webhooks.port, the signing secret only from a mounted
  // Secret read as a config tree (never in the ConfigMap), its own Service
  const hooks = (c.ports ?? []).find((p) => p.name === 'webhooks');
  const hooksConfig = appConfig?.remit?.webhooks ?? {};
  for (const k of ['secret', 'previous-secret', 'previousSecret']) {
    if (hooksConfig[k] !== undefined) fail(w, `remit.webhooks.${k} is in the ConfigMap: it must come from a Secret`);
  }
  if (hooksConfig.enabled === true) {
    if (!hooks || hooks.containerPort !== hooksConfig.port) fail(w, `container port "webhooks" must be remit.webhooks.port (${hooksConfig.port})`);
    if ([8080, appConfig?.remit?.ops?.port ?? 8081].includes(hooksConfig.port)) fail(w, `remit.webhooks.port ${hooksConfig.port} is Actuator's or the main server's`);
    const secretFile = (m) => [volumes[m.name]?.secret, ...(volumes[m.name]?.projected?.sources ?? []).map((s) => s.secret)]
      .filter(Boolean).flatMap((s) => (s.items ?? []).map((i) => ({ secret: s, path: i.path })));
    const mount = (c.volumeMounts ?? []).find((m) => secretFile(m).some((f) => f.path === 'remit.webhooks.secret'));
    if (!mount) fail(w, 'webhooks on, but no mounted Secret has the file remit.webhooks.secret');
    else {
      const tree = `optional:configtree:${mount.mountPath.replace(/\/?$/, '/')}`;
      if (!imports.includes(tree)) fail(w, `the webhook secret is mounted at ${mount.mountPath} but spring.config.import lacks ${tree}`);
      const current = secretFile(mount).find((f) => f.path === 'remit.webhooks.secret').secret;
      if (current.optional) fail(w, 'the current webhook secret must not be optional');
    }
  } else if (hooks) fail(w, 'container port "webhooks" without remit.webhooks.enabled');
  const targets = { console: 'ops', webhooks: 'webhooks' };
  for (const s of services) {
    const where = `${file} Service/${s.metadata.name}`;
    if (!matches(s.spec.selector, podLabels)) fail(where, 'selector does not match the pods');
    const target = targets[s.metadata.labels?.['app.kubernetes.io/component']] ?? 'http';
    if (target === 'ops' && !ops) fail(where, 'a console Service without the container port ops');
    if (target === 'webhooks' && !hooks) fail(where, 'a webhooks Service without the container port webhooks');
    if (!s.spec.ports.every((p) => p.targetPort === target)) fail(where, `must target port ${target} only`);
  }
  for (const ing of by('Ingress')) {
    const where = `${file} Ingress/${ing.metadata.name}`;
    for (const path of ing.spec.rules.flatMap((r) => r.http.paths)) {
      const svc = services.find((s) => s.metadata.name === path.backend.service.name);
      if (svc?.metadata.labels?.['app.kubernetes.io/component'] !== 'console') fail(where, 'must lead to the console Service only');
    }
  }
  for (const sm of by('ServiceMonitor')) {
    const svc = services.find((s) => matches(sm.spec.selector.matchLabels, s.metadata.labels));
    if (!svc) fail(`${file} ServiceMonitor`, 'selects no rendered Service');
    for (const ep of sm.spec.endpoints) {
      if (svc && !svc.spec.ports.some((p) => p.name === ep.port)) fail(`${file} ServiceMonitor`, `Service has no port ${ep.port}`);
      if (ep.path !== '/actuator/prometheus') fail(`${file} ServiceMonitor`, 'path must be /actuator/prometheus');
    }
  }
  for (const np of by('NetworkPolicy')) {
    const where = `${file} NetworkPolicy/${np.metadata.name}`;
    if (!matches(np.spec.podSelector.matchLabels, podLabels)) fail(where, 'podSelector does not match the pods');
    if (!(np.spec.ingress ?? []).some((r) => (r.ports ?? []).some((p) => p.port === 'http' || p.port === 8080))) fail(where, 'ingress must admit port http (probes, metrics)');
    for (const [name, port] of [['ops', ops], ['webhooks', hooks]]) {
      for (const r of np.spec.ingress ?? []) {
        const to = (r.ports ?? []).some((p) => p.port === name);
        if (to && !port) fail(where, `admits port ${name}, which the pods do not have`);
        if (to && !(r.from ?? []).length) fail(where, `admits anyone to port ${name}: from must name peers`);
        if (!r.ports && port) fail(where, `a rule without ports admits port ${name} too`);
      }
      if (port && !(np.spec.ingress ?? []).some((r) => (r.ports ?? []).some((p) => p.port === name))) fail(where, `port ${name} is on but not admitted from anyone`);
    }
    const egressPorts = (np.spec.egress ?? []).flatMap((r) => (r.ports ?? []).map((p) => p.port));
    if (!egressPorts.includes(53)) fail(where, 'egress must admit DNS (53)');
  }
  for (const pdb of by('PodDisruptionBudget')) {
    if (!matches(pdb.spec.selector.matchLabels, podLabels)) fail(`${file} PodDisruptionBudget`, 'selector does not match the pods');
  }
  for (const cm of by('ConfigMap').filter((m) => m.metadata.labels?.grafana_dashboard !== undefined)) {
    if (cm.metadata.labels.grafana_dashboard !== '1') fail(`${file} ConfigMap/${cm.metadata.name}`, 'label grafana_dashboard must be "1"');
    for (const [k, v] of Object.entries(cm.data ?? {})) {
      try { JSON.parse(v); } catch (e) { fail(`${file} ConfigMap/${cm.metadata.name}`, `${k} is not JSON: ${e.message}`); }
    }
  }
}

for (const file of files) {
  const name = basename(file);
  let docs;
  try {
    docs = yaml.loadAll(readFileSync(file, 'utf8')).filter((d) => d != null);
  } catch (e) {
    fail(name, `YAML: ${e.message}`);
    continue;
  }
  const kinds = [];
  for (const doc of docs) {
    const where = `${name} ${doc.kind}/${doc.metadata?.name}`;
    if (!doc.apiVersion || !doc.kind || !doc.metadata?.name) { fail(where, 'apiVersion, kind and metadata.name are required'); continue; }
    if (doc.apiVersion === 'keda.sh/v1alpha1' && doc.kind === 'ScaledObject') {
      validateScaledObject(doc, where);
      kinds.push(`${doc.kind}(hand-checked: no KEDA schema in the npm model packages)`);
    } else if (await validateSchema(doc, where)) {
      kinds.push(doc.kind);
    } else {
      fail(where, `no schema for ${doc.apiVersion} ${doc.kind}`);
    }
  }
  checkContract(docs, name);
  console.log(`  ${name}: ${docs.length} documents: ${kinds.join(', ')}`);
}

// unknown-field check with tsc
const genDir = join(tools, 'gen', 'manifests');
mkdirSync(genDir, { recursive: true });
writeFileSync(join(genDir, 'manifests.ts'), [...tsImports, '', ...tsDecls].join('\n') + '\n');
writeFileSync(join(genDir, 'tsconfig.json'), JSON.stringify({
  compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: true, types: [] },
  files: ['manifests.ts'],
}, null, 2));
try {
  execFileSync(process.execPath, [join(nm, 'typescript', 'bin', 'tsc'), '-p', join(genDir, 'tsconfig.json')], { stdio: 'inherit' });
} catch {
  errors.push(`tsc: unknown or mistyped fields (see above; generated ${join(genDir, 'manifests.ts')})`);
}

if (errors.length) {
  for (const e of errors) console.error(`  ERROR ${e}`);
  process.exit(1);
}
console.log(`  ${tsDecls.length} documents valid against kubernetes-models / prometheus-operator schemas and types`);
