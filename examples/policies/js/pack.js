// The `acme` example pack, in JavaScript: the same rules and findings as ../rust and ../python.
//
// `plimsoll policy build` turns this module into a WebAssembly component with componentize-js,
// against the contract of the plimsoll that builds it (`wit/` in the repository root).
// The model arrives as plain objects with camelCase fields
// (`project.services[i].labels`, `build.dockerfileIndex`); enums are strings (`'low'`), variants
// are `{ tag, val }`, options are `undefined` or the value. Return the findings; throw an Error (or
// anything) to answer `err`: `guarded` below turns it into the message the host reports. `console.log` output and `log` messages are captured by the host and shown with
// `plimsoll check --verbose`.

import { log } from 'plimsoll:policy/host@0.1.0';

const PACK_ID = 'acme';
const VERSION = '0.1.0';
const SUMMARY = "acme's house rules: service owners and allowed base images";

// The JSON Schema of the settings; the host validates plimsoll.yaml's `settings.acme` against it.
const SETTINGS_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Settings',
  type: 'object',
  additionalProperties: false,
  properties: {
    'owner-label': {
      description: 'The label that names the team owning a service.',
      type: 'string',
      minLength: 1,
      default: 'com.example.owner',
    },
    'exempt-services': {
      description: 'Services that need no owner label, by name.',
      type: 'array',
      items: { type: 'string' },
      default: [],
    },
    'allow-official': {
      description: 'Whether Docker Official Images (`python`, `postgres`, ...) are allowed as base images.',
      type: 'boolean',
      default: true,
    },
    'allowed-images': {
      description: 'Image name prefixes allowed as base images (`ghcr.io/acme/`).',
      type: 'array',
      items: { type: 'string' },
      default: [],
    },
  },
};

const DEFAULTS = { 'owner-label': 'com.example.owner', 'exempt-services': [], 'allow-official': true, 'allowed-images': [] };

const OWNER_LABEL_MISSING = {
  id: 'owner-label-missing',
  summary: 'service has no owner label',
  severity: 'low',
  category: 'ownership',
  docs: `## What it does
Flags services without an owner label (\`com.example.owner\` unless the \`owner-label\` setting
names another), or whose owner label is empty.

## Why is this bad?
When a service misbehaves at 3 a.m., the person on call must know which team to wake up.
A label on the service is the one place that travels with it into \`docker ps\`, logs and
monitoring.

## Example
\`\`\`yaml
services:
  web:
    image: nginx:1.27
\`\`\`

## Use instead
\`\`\`yaml
services:
  web:
    image: nginx:1.27
    labels:
      com.example.owner: storefront
\`\`\``,
  status: 'stable',
  fixable: false,
};

const BASE_IMAGE_NOT_ALLOWED = {
  id: 'base-image-not-allowed',
  summary: 'service is built from a base image outside the allowed sources',
  severity: 'medium',
  category: 'supply-chain',
  docs: `## What it does
Flags services whose image is built from a base image that is neither a Docker Official
Image (unless \`allow-official\` is off) nor named by an entry of \`allowed-images\`. The stage
chain is followed, so \`FROM builder\` counts as the image \`builder\` starts from.

## Why is this bad?
A base image is code that runs in production. Images from unknown publishers are not
scanned, not rebuilt when a CVE lands, and may disappear or change under the same tag.

## Example
\`\`\`dockerfile
FROM someuser/python-tools:3.12
\`\`\`

## Use instead
\`\`\`dockerfile
FROM python:3.12-slim
\`\`\``,
  status: 'stable',
  fixable: false,
};

const RULES = [OWNER_LABEL_MISSING, BASE_IMAGE_NOT_ALLOWED];

/** Settings JSON with the defaults filled in; throws when they are wrong. */
function parseSettings(text) {
  const given = text.trim() === '' || text.trim() === 'null' ? {} : JSON.parse(text);
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new Error('settings must be a mapping');
  }
  const unknown = Object.keys(given).filter((k) => !(k in DEFAULTS)).sort();
  if (unknown.length > 0) {
    throw new Error(`unknown setting \`${unknown[0]}\``);
  }
  const settings = { ...DEFAULTS, ...given };
  if (String(settings['owner-label']).trim() === '') {
    throw new Error('owner-label: must not be blank');
  }
  return settings;
}

/**
 * Where a finding points: the service's key (`serviceSubject('web')`) or a key below it,
 * `serviceSubject('web', 'ports', i)` for `service.ports[i]` (list indexes are the model's and
 * become decimal strings; a port range is one entry per port, located at the range's line).
 */
function serviceSubject(name, ...path) {
  return { tag: 'compose', val: ['services', name, ...path.map(String)] };
}

function ownerLabelMissing(project, settings) {
  const label = settings['owner-label'];
  const findings = [];
  for (const service of project.services) {
    if (settings['exempt-services'].includes(service.name)) continue;
    const owned = service.labels.some((kv) => kv.name === label && kv.value != null && kv.value.trim() !== '');
    if (!owned) {
      findings.push({
        rule: OWNER_LABEL_MISSING.id,
        severity: undefined,
        message: `service \`${service.name}\` has no \`${label}\` label`,
        subject: serviceSubject(service.name),
        related: [],
        help: `add \`labels: { ${label}: <team> }\` naming the team that owns the service`,
        fix: undefined,
      });
    }
  }
  return findings;
}

/** [dockerfile index, dockerfile, stage] a service builds: its `build.target`, else the last stage. */
function targetStage(project, service) {
  const build = service.build;
  if (build == null || build.dockerfileIndex == null || build.dockerfileIndex >= project.dockerfiles.length) return null;
  const dockerfile = project.dockerfiles[build.dockerfileIndex];
  const index = build.targetStage != null ? build.targetStage : dockerfile.stages.length - 1;
  if (index < 0 || index >= dockerfile.stages.length) return null;
  return [build.dockerfileIndex, dockerfile, dockerfile.stages[index]];
}

/** A stage and the stages it is built FROM, the stage itself first (cycles are cut). */
function stageChain(dockerfile, stage) {
  const chain = [stage];
  for (;;) {
    const base = chain[chain.length - 1].base;
    if (base.tag !== 'stage') break;
    const parent = base.val;
    if (parent >= dockerfile.stages.length || chain.some((s) => s.index === parent)) break;
    chain.push(dockerfile.stages[parent]);
  }
  return chain;
}

function imageName(image) {
  return image.registry != null ? `${image.registry}/${image.repository}` : image.repository;
}

function isOfficial(image) {
  const hub = image.registry == null || image.registry === 'docker.io' || image.registry === 'index.docker.io';
  const repository = image.repository.startsWith('library/') ? image.repository.slice('library/'.length) : image.repository;
  return hub && !repository.includes('/');
}

function isAllowed(image, settings) {
  const name = imageName(image);
  return (settings['allow-official'] && isOfficial(image)) || settings['allowed-images'].some((p) => name.startsWith(p));
}

function baseImageNotAllowed(project, settings) {
  const findings = [];
  for (const service of project.services) {
    const target = targetStage(project, service);
    if (target === null) continue;
    const [index, dockerfile, stage] = target;
    const chain = stageChain(dockerfile, stage);
    const first = chain[chain.length - 1];
    if (first.base.tag !== 'image') continue;
    const image = first.base.val;
    if (isAllowed(image, settings)) continue;
    findings.push({
      rule: BASE_IMAGE_NOT_ALLOWED.id,
      severity: undefined,
      message: `service \`${service.name}\` builds from \`${image.raw}\`, which is not an allowed base image`,
      subject: { tag: 'instruction', val: { dockerfile: index, instruction: first.fromInstruction } },
      related: [{ tag: 'compose', val: ['services', service.name, 'build'] }],
      help: "start from an official image, or add the image's prefix to `allowed-images`",
      fix: undefined,
    });
  }
  return findings;
}

/**
 * Anything thrown, as the `err` string the host reports: componentize-js can only answer `err`
 * with a string, so an `Error` becomes its name, message and first stack frames
 * (`TypeError: service.nolabels is undefined` / `ownerLabelMissing@pack.js:120:31`).
 */
function policyError(e) {
  if (e instanceof Error) {
    const head = e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
    const frames = String(e.stack || '').split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(0, 3);
    return frames.length > 0 ? `${head}\n${frames.join('\n')}` : head;
  }
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

/** Run `f`; whatever it throws reaches the host as a `policy-error` with its message. */
function guarded(f) {
  try {
    return f();
  } catch (e) {
    throw policyError(e);
  }
}

export function describe() {
  return { id: PACK_ID, version: VERSION, summary: SUMMARY, settingsSchema: JSON.stringify(SETTINGS_SCHEMA), rules: RULES };
}

export function validateSettings(settings) {
  guarded(() => parseSettings(settings));
}

export function evaluate(project, settings) {
  return guarded(() => {
    const parsed = parseSettings(settings);
    log('debug', `${PACK_ID}: ${project.services.length} services`);
    return ownerLabelMissing(project, parsed).concat(baseImageNotAllowed(project, parsed));
  });
}
