// Validates Kubernetes manifests offline against the schemas of the kubernetes-models packages.
//
//   node helm/tests/validate.mjs --modules DIR [FILE ...]    (no FILE, or "-": read standard input)
//
// DIR is an npm prefix holding kubernetes-models, @kubernetes-models/keda, @kubernetes-models/prometheus-operator
// and yaml (scripts/check-helm.sh installs them). Every document must be of a kind this script knows; a document of
// any other kind fails, so nothing passes unchecked. Also fails on YAML errors, documents without a name, and two
// objects of the same kind and name in one file. Prints one line per document; exits 1 on any failure.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const at = args.indexOf('--modules');
if (at < 0 || !args[at + 1]) {
  console.error('usage: validate.mjs --modules DIR [FILE ...]');
  process.exit(2);
}
const modules = resolve(args[at + 1], 'node_modules');
const files = args.filter((_, i) => i !== at && i !== at + 1);

// apiVersion -> the module exporting its kinds. Core and built-in groups come from kubernetes-models; the CRDs
// this chart uses from the third-party packages.
const thirdParty = {
  'keda.sh': '@kubernetes-models/keda/keda.sh',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator/monitoring.coreos.com',
};

function modulePath(apiVersion) {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) {
    return `kubernetes-models/${apiVersion}`; // the core group: "v1"
  }
  const group = apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (thirdParty[group]) {
    return `${thirdParty[group]}/${version}`;
  }
  if (!group.includes('.') || group.endsWith('.k8s.io')) {
    return `kubernetes-models/${group}/${version}`; // apps, batch, policy, autoscaling, networking.k8s.io, ...
  }
  return null;
}

const loaded = new Map();
async function modelClass(apiVersion, kind) {
  const path = modulePath(apiVersion);
  if (!path || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    return null;
  }
  // The packages hold one file per kind (importing only those is much faster than their index). They are ES
  // modules exporting only "import" entry points and are not installed beside this script, so they are
  // imported by file URL.
  const file = join(modules, path, `${kind}.js`);
  if (!loaded.has(file)) {
    loaded.set(file, existsSync(file) ? await import(pathToFileURL(file).href) : null);
  }
  const model = loaded.get(file)?.[kind];
  return typeof model === 'function' && model.apiVersion === apiVersion && model.kind === kind ? model : null;
}

const YAML = createRequire(join(modules, 'index.js'))('yaml');
const inputs = files.length === 0 ? ['-'] : files;
let failures = 0;
let count = 0;

function fail(where, message) {
  failures++;
  console.log(`FAIL ${where}: ${message}`);
}

for (const file of inputs) {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  const documents = YAML.parseAllDocuments(text);
  const seen = new Set(); // kind and name of each object in this file
  for (const [index, document] of documents.entries()) {
    const label = `${file === '-' ? 'stdin' : file}#${index + 1}`;
    if (document.errors.length > 0) {
      fail(label, `YAML: ${document.errors.map(e => e.message).join('; ')}`);
      continue;
    }
    const object = document.toJS();
    if (object === null || object === undefined) {
      continue; // an empty document (e.g. a template that rendered nothing)
    }
    const { apiVersion, kind } = object;
    const name = object.metadata?.name;
    const where = `${label} ${kind ?? '?'}/${name ?? '?'}`;
    count++;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      fail(where, 'no apiVersion or kind');
      continue;
    }
    if (typeof name !== 'string' || name.length === 0) {
      fail(where, 'no metadata.name');
      continue;
    }
    const key = `${apiVersion.split('/').length > 1 ? apiVersion.split('/')[0] : ''}/${kind}/${name}`;
    if (seen.has(key)) {
      fail(where, 'a second object of this kind and name');
      continue;
    }
    seen.add(key);
    const Model = await modelClass(apiVersion, kind);
    if (!Model) {
      fail(where, `no schema known for ${apiVersion} ${kind} (add its package to validate.mjs rather than skip it)`);
      continue;
    }
    try {
      new Model(object).validate();
      console.log(`ok   ${where} (${apiVersion})`);
    } catch (e) {
      const details = Array.isArray(e.errors) ? e.errors.map(x => `${x.instancePath || '/'} ${x.message}`).join('; ') : e.message;
      fail(where, details);
    }
  }
}

if (count === 0) {
  fail('input', 'no documents');
}
console.log(`${failures === 0 ? 'valid' : 'INVALID'}: ${count} document(s), ${failures} failure(s)`);
process.exit(failures === 0 ? 0 : 1);
