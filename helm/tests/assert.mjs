// Checks what a rendering of the chart must hold beyond schema validity (validate.mjs covers that).
//
//   node helm/tests/assert.mjs --modules DIR VARIANT=FILE [VARIANT=FILE ...]
//
// VARIANT names the values files the rendering FILE used (see scripts/check-helm.sh); the checks common to every
// rendering run first, then the variant's own. Prints one line per check and a summary per variant; exits 1 if
// any check fails.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const at = args.indexOf('--modules');
const pairs = args.filter((_, i) => i !== at && i !== at + 1);
if (at < 0 || pairs.length === 0 || pairs.some(p => !/^[a-z0-9-]+=./.test(p))) {
  console.error('usage: assert.mjs --modules DIR VARIANT=FILE [VARIANT=FILE ...]');
  process.exit(2);
}
const YAML = createRequire(join(resolve(args[at + 1], 'node_modules'), 'index.js'))('yaml');

// The BatchFcn settings the chart may set; the worker refuses unknown BatchFcn__ keys, so a misspelling here
// would stop every pod.
const knownSettings = new Set([
  'BatchFcn__Distributed__StateFolder', 'BatchFcn__Distributed__ResultsFolder', 'BatchFcn__Distributed__InputsFolder',
  'BatchFcn__Distributed__HealthPort', 'BatchFcn__Distributed__ConcurrentTiles',
  'BatchFcn__Backend__Backend', 'BatchFcn__Backend__Threads',
  'BatchFcn__Node__Readers', 'BatchFcn__Node__CacheDirectory', 'BatchFcn__Node__CacheMaxBytes',
  'BatchFcn__Telemetry__MetricsPort',
]);
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const decoded = (secret, key) => secret?.data?.[key] === undefined ? undefined : Buffer.from(secret.data[key], 'base64').toString();
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

let total = 0;
for (const pair of pairs) {
  const variant = pair.slice(0, pair.indexOf('='));
  const file = pair.slice(pair.indexOf('=') + 1);
  total += checkRendering(variant, YAML.parseAllDocuments(readFileSync(file, 'utf8')).map(d => d.toJS()).filter(d => d));
}
process.exit(total === 0 ? 0 : 1);

/** Runs the checks of one rendering; returns the number that failed. */
function checkRendering(variant, docs) {
  let failures = 0;
  function check(what, ok, detail = '') {
    if (!ok) {
      failures++;
    }
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${variant}: ${what}${!ok && detail ? ` (${detail})` : ''}`);
  }

  const kind = k => docs.filter(d => d.kind === k);
  const deployments = kind('Deployment');
  const scaledObjects = kind('ScaledObject');
  const triggerAuths = kind('TriggerAuthentication');
  const secrets = kind('Secret');
  const pool = d => d.metadata.labels?.['batchfcn/pool'];
  const byPool = name => deployments.find(d => pool(d) === name);
  const worker = d => d.spec.template.spec.containers.find(c => c.name === 'worker');
  const env = d => Object.fromEntries((worker(d)?.env ?? []).map(e => [e.name, e]));
  // ---- common to every rendering
  check('renders at least one worker Deployment', deployments.length > 0);
  for (const d of docs) {
    const l = d.metadata.labels ?? {};
    const missing = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by']
      .filter(k => !l[k]);
    check(`${d.kind}/${d.metadata.name} has the app.kubernetes.io labels`, missing.length === 0, `missing ${missing}`);
  }
  for (const d of deployments) {
    const name = `Deployment/${d.metadata.name}`;
    const spec = d.spec.template.spec;
    const c = worker(d);
    const e = env(d);
    check(`${name} has a worker container`, !!c);
    if (!c) {
      continue;
    }
    check(`${name} selector matches its pod labels`, matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels));
    check(`${name} runs "worker --json-logs"`, same(c.args, ['worker', '--json-logs']), JSON.stringify(c.args));
    check(`${name} terminationGracePeriodSeconds >= 60 (longer than a tile job)`, spec.terminationGracePeriodSeconds >= 60,
      `${spec.terminationGracePeriodSeconds}`);
    const healthPort = c.ports?.find(p => p.name === 'health')?.containerPort;
    check(`${name} health port is BatchFcn__Distributed__HealthPort`, healthPort !== undefined && e.BatchFcn__Distributed__HealthPort?.value === String(healthPort),
      `${healthPort} vs ${e.BatchFcn__Distributed__HealthPort?.value}`);
    check(`${name} liveness probe GET /healthz/live on the health port`, c.livenessProbe?.httpGet?.path === '/healthz/live' && c.livenessProbe.httpGet.port === 'health');
    check(`${name} readiness probe GET /healthz/ready on the health port`, c.readinessProbe?.httpGet?.path === '/healthz/ready' && c.readinessProbe.httpGet.port === 'health');
    check(`${name} startup probe GET /healthz/live`, c.startupProbe?.httpGet?.path === '/healthz/live');
    const sc = c.securityContext ?? {};
    const psc = spec.securityContext ?? {};
    check(`${name} runs as non-root uid 10001`, psc.runAsNonRoot === true && psc.runAsUser === 10001 && sc.runAsUser === 10001);
    check(`${name} has a read-only root file system, no privilege escalation, all capabilities dropped`,
      sc.readOnlyRootFilesystem === true && sc.allowPrivilegeEscalation === false && same(sc.capabilities?.drop, ['ALL']));
    const mounts = Object.fromEntries((c.volumeMounts ?? []).map(m => [m.mountPath, m.name]));
    const emptyDirs = new Set((spec.volumes ?? []).filter(v => v.emptyDir).map(v => v.name));
    check(`${name} mounts emptyDirs on /cache and /tmp`, emptyDirs.has(mounts['/cache']) && emptyDirs.has(mounts['/tmp']));
    check(`${name} uses /cache as the node cache`, e.BatchFcn__Node__CacheDirectory?.value === '/cache');
    check(`${name} cache bound is a whole number of bytes`, /^[0-9]+$/.test(e.BatchFcn__Node__CacheMaxBytes?.value ?? ''),
      e.BatchFcn__Node__CacheMaxBytes?.value);
    const unknown = Object.keys(e).filter(n => n.startsWith('BatchFcn__') && !knownSettings.has(n));
    check(`${name} sets only known BatchFcn__ settings`, unknown.length === 0, unknown.join(', '));
    check(`${name} gets BATCHFCN_RABBITMQ and BATCHFCN_STORAGE from a Secret`,
      !!e.BATCHFCN_RABBITMQ?.valueFrom?.secretKeyRef && !!e.BATCHFCN_STORAGE?.valueFrom?.secretKeyRef);
    for (const v of ['BATCHFCN_RABBITMQ', 'BATCHFCN_STORAGE']) {
      const ref = e[v]?.valueFrom?.secretKeyRef;
      const secret = secrets.find(s => s.metadata.name === ref?.name);
      if (secret) {
        check(`${name} ${v} names a key of Secret/${secret.metadata.name}`, secret.data?.[ref.key] !== undefined, ref.key);
      }
    }
    check(`${name} pool label is cpu or gpu`, ['cpu', 'gpu'].includes(pool(d)));
    const gpuLimit = c.resources?.limits?.['nvidia.com/gpu'];
    if (pool(d) === 'gpu') {
      check(`${name} limits nvidia.com/gpu to 1`, gpuLimit === 1 || gpuLimit === '1', `${gpuLimit}`);
      check(`${name} tolerates the nvidia.com/gpu taint`, (spec.tolerations ?? []).some(t => t.key === 'nvidia.com/gpu'));
      check(`${name} selects GPU nodes`, spec.nodeSelector?.['nvidia.com/gpu.present'] === 'true');
      check(`${name} runs the CUDA backend from the GPU image`, e.BatchFcn__Backend__Backend?.value === 'cuda' && /worker-gpu:/.test(c.image));
    } else {
      check(`${name} asks for no GPU`, gpuLimit === undefined && !JSON.stringify(spec).includes('nvidia.com/gpu'));
      check(`${name} runs the CPU backend`, e.BatchFcn__Backend__Backend?.value === 'cpu' && /\/worker:/.test(c.image));
    }
  }
  for (const p of kind('PodDisruptionBudget')) {
    const d = deployments.find(x => matches(p.spec.selector.matchLabels, x.spec.template.metadata.labels));
    check(`PodDisruptionBudget/${p.metadata.name} selects a worker pool`, !!d);
    if (d) {
      check(`PodDisruptionBudget/${p.metadata.name} selects only its own pool`,
        deployments.filter(x => matches(p.spec.selector.matchLabels, x.spec.template.metadata.labels)).length === 1);
    }
  }
  const kedaOn = scaledObjects.length > 0;
  for (const d of deployments) {
    if (kedaOn) {
      check(`Deployment/${d.metadata.name} leaves replicas to KEDA`, d.spec.replicas === undefined, `${d.spec.replicas}`);
    } else {
      check(`Deployment/${d.metadata.name} sets replicas (no KEDA)`, Number.isInteger(d.spec.replicas), `${d.spec.replicas}`);
    }
  }
  for (const so of scaledObjects) {
    const name = `ScaledObject/${so.metadata.name}`;
    const target = deployments.find(d => d.metadata.name === so.spec.scaleTargetRef?.name);
    check(`${name} targets a rendered Deployment`, !!target && (so.spec.scaleTargetRef.kind ?? 'Deployment') === 'Deployment');
    const triggers = so.spec.triggers ?? [];
    check(`${name} triggers are all rabbitmq, protocol http, mode QueueLength`,
      triggers.length > 0 && triggers.every(t => t.type === 'rabbitmq' && t.metadata?.protocol === 'http' && t.metadata?.mode === 'QueueLength'));
    const tiles = triggers.find(t => t.metadata?.queueName === 'batchfcn-tiles');
    check(`${name} scales on queue batchfcn-tiles`, !!tiles);
    check(`${name} trigger values are whole numbers in strings`,
      triggers.every(t => /^[0-9]+$/.test(t.metadata?.value ?? '') && /^[0-9]+$/.test(t.metadata?.activationValue ?? '0')));
    check(`${name} min <= max replicas`, so.spec.minReplicaCount <= so.spec.maxReplicaCount);
    for (const t of triggers) {
      const ta = triggerAuths.find(x => x.metadata.name === t.authenticationRef?.name);
      check(`${name} trigger ${t.metadata?.queueName} authenticates through a rendered TriggerAuthentication`, !!ta);
    }
    const others = triggers.filter(t => t !== tiles).map(t => t.metadata?.queueName).sort();
    check(`${name} other triggers are only the scan and fault wake-ups`, others.length === 0 || same(others, ['batchfcn-faults', 'batchfcn-scans']),
      others.join(', '));
    if (so.spec.minReplicaCount > 0) {
      check(`${name} has no wake-up triggers (min replicas > 0)`, others.length === 0);
    }
  }
  for (const ta of triggerAuths) {
    const refs = ta.spec.secretTargetRef ?? [];
    check(`TriggerAuthentication/${ta.metadata.name} passes parameter host from a Secret`, refs.length === 1 && refs[0].parameter === 'host');
    const secret = secrets.find(s => s.metadata.name === refs[0]?.name);
    if (secret) {
      const url = decoded(secret, refs[0].key);
      check(`TriggerAuthentication/${ta.metadata.name} host is an http(s) management URL`, /^https?:\/\/[^/]+:[0-9]+\//.test(url ?? ''), 'not http(s)://host:port/…');
    }
  }
  if (!kedaOn) {
    check('no TriggerAuthentication without ScaledObjects', triggerAuths.length === 0);
  }
  for (const s of kind('Service')) {
    check(`Service/${s.metadata.name} is headless`, s.spec.clusterIP === 'None');
    check(`Service/${s.metadata.name} selects the workers`, deployments.every(d => matches(s.spec.selector, d.spec.template.metadata.labels)));
    check(`Service/${s.metadata.name} targets the metrics port`,
      deployments.every(d => s.spec.ports.some(p => worker(d).ports.some(cp => cp.name === p.targetPort && cp.containerPort === p.port))));
  }

  // ---- the variant's own
  const pools = deployments.map(pool).sort().join('+');
  const secret = secrets[0];
  const expect = {
    default() {
      check('deploys both pools', pools === 'cpu+gpu', pools);
      check('scales both pools with KEDA', scaledObjects.length === 2 && triggerAuths.length === 1);
      check('creates the connection Secret', secrets.length === 1);
      check('derives the management URL from the AMQP URL',
        decoded(secret, 'host') === 'http://batchfcn:not-a-secret@rabbitmq.messaging.svc:15672/batchfcn', decoded(secret, 'host'));
      const cpuSo = scaledObjects.find(s => s.metadata.labels['batchfcn/pool'] === 'cpu');
      const gpuSo = scaledObjects.find(s => s.metadata.labels['batchfcn/pool'] === 'gpu');
      check('CPU pool: one pod per 16 tile jobs, at least 1 pod', cpuSo?.spec.triggers[0].metadata.value === '16' && cpuSo?.spec.minReplicaCount === 1);
      check('GPU pool: one pod per 64 jobs, from zero above 32, no scan wake-up (the CPU pool plans scans)',
        gpuSo?.spec.triggers.length === 1 && gpuSo.spec.triggers[0].metadata.value === '64' &&
        gpuSo.spec.triggers[0].metadata.activationValue === '32' && gpuSo.spec.minReplicaCount === 0);
      check('pods carry prometheus.io scrape annotations', deployments.every(d => d.spec.template.metadata.annotations?.['prometheus.io/scrape'] === 'true'));
      check('no ServiceMonitor by default', kind('ServiceMonitor').length === 0);
    },
    'cpu-only'() {
      check('deploys only the CPU pool', pools === 'cpu', pools);
      check('renders nothing for GPUs', !docs.some(d => d.metadata.labels?.['batchfcn/pool'] === 'gpu') && !JSON.stringify(docs).includes('nvidia.com/gpu'));
      check('one ScaledObject', scaledObjects.length === 1);
    },
    'gpu-only'() {
      check('deploys only the GPU pool', pools === 'gpu', pools);
      const so = scaledObjects[0];
      const queues = (so?.spec.triggers ?? []).map(t => t.metadata.queueName).sort();
      check('the GPU pool wakes on scan requests and faults (no other pool plans scans)',
        same(queues, ['batchfcn-faults', 'batchfcn-scans', 'batchfcn-tiles']), queues.join(', '));
      check('the GPU pool wakes on any tile job', so?.spec.triggers.find(t => t.metadata.queueName === 'batchfcn-tiles')?.metadata.activationValue === '0');
    },
    'keda-off'() {
      check('no ScaledObject or TriggerAuthentication', scaledObjects.length === 0 && triggerAuths.length === 0);
      check('replicas from values (3 CPU, 2 GPU)', byPool('cpu')?.spec.replicas === 3 && byPool('gpu')?.spec.replicas === 2);
      check('the Secret holds no management URL', secret?.data?.host === undefined);
    },
    servicemonitor() {
      const [sm] = kind('ServiceMonitor');
      const [svc] = kind('Service');
      check('renders one ServiceMonitor', kind('ServiceMonitor').length === 1);
      check('ServiceMonitor selects the metrics Service', !!sm && !!svc && matches(sm.spec.selector.matchLabels, svc.metadata.labels));
      check('ServiceMonitor scrapes port "metrics" at /metrics every 15s',
        sm?.spec.endpoints?.[0]?.port === 'metrics' && sm.spec.endpoints[0].path === '/metrics' && sm.spec.endpoints[0].interval === '15s');
      check('ServiceMonitor carries the Prometheus selector label', sm?.metadata.labels?.release === 'kube-prometheus-stack');
      check('pods carry no prometheus.io annotations', deployments.every(d => !d.spec.template.metadata.annotations?.['prometheus.io/scrape']));
    },
    'scale-to-zero'() {
      check('both pools may scale to zero', scaledObjects.length === 2 && scaledObjects.every(s => s.spec.minReplicaCount === 0));
      check('both pools wake on scan requests and faults', scaledObjects.every(s => s.spec.triggers.length === 3));
      check('the wake-up triggers never size the pool (huge target, activation 0)',
        scaledObjects.every(s => s.spec.triggers.filter(t => t.metadata.queueName !== 'batchfcn-tiles')
          .every(t => Number(t.metadata.value) >= 100000 && t.metadata.activationValue === '0')));
    },
    'existing-secret'() {
      check('creates no Secret', secrets.length === 0);
      check('workers read the existing Secret by its key names', deployments.every(d =>
        env(d).BATCHFCN_RABBITMQ?.valueFrom?.secretKeyRef?.name === 'batchfcn-connection' &&
        env(d).BATCHFCN_RABBITMQ.valueFrom.secretKeyRef.key === 'amqp-url' &&
        env(d).BATCHFCN_STORAGE?.valueFrom?.secretKeyRef?.key === 'storage-connection-string'));
      check('KEDA reads the management URL from the existing Secret', triggerAuths[0]?.spec.secretTargetRef[0].name === 'batchfcn-connection' &&
        triggerAuths[0].spec.secretTargetRef[0].key === 'management-url');
      check('no secret checksum annotation (the chart cannot see the Secret)',
        deployments.every(d => !d.spec.template.metadata.annotations?.['checksum/secret']));
    },
  };
  if (!expect[variant]) {
    check(`variant "${variant}" has expectations in assert.mjs`, false);
  } else {
    expect[variant]();
  }
  console.log(`${failures === 0 ? 'passed' : 'FAILED'}: ${variant}, ${failures} failure(s)`);
  return failures;
}
