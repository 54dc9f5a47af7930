// The `{{id}}` policy pack, in JavaScript.
//
// `plimsoll policy build` turns this module into a WebAssembly component with componentize-js,
// against the contract of the plimsoll that builds it (`wit/` holds a copy to read).
// The model arrives as plain objects with camelCase fields
// (`project.services[i].labels`, `build.dockerfileIndex`); enums are strings (`'low'`), variants
// are `{ tag, val }`, options are `undefined` or the value. Return the findings; throw an Error (or
// anything) to answer `err`: `guarded` below turns it into the message the host reports. `console.log` output and `log` messages are captured by the host and shown with
// `plimsoll check --verbose`.

import { log } from 'plimsoll:policy/host@0.1.0';

const PACK_ID = '{{id}}';
const VERSION = '0.1.0';
const SUMMARY = 'house rules for our compose stacks';

// The JSON Schema of the settings; the host validates plimsoll.yaml's `settings.{{id}}` against it.
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
  },
};

const DEFAULTS = { 'owner-label': 'com.example.owner', 'exempt-services': [] };

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

const RULES = [OWNER_LABEL_MISSING];

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
    return ownerLabelMissing(project, parsed);
  });
}
