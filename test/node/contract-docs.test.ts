/**
 * Keeps docs/contract.schema.json, the valibot schema and docs/examples from
 * drifting apart: every example passes parseContract and the JSON Schema's
 * structure (required keys, no unknown keys), and both schemas name the same
 * sections, keys and transform kinds.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContractSchema, TRANSFORM_KINDS } from '../../modules/contract/schema.js';
import { parseContractText } from '../../modules/contract/validate.js';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const schemaText = readFileSync(join(root, 'docs', 'contract.schema.json'), 'utf8');
const examplesDir = join(root, 'docs', 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.json'));

type Node = Record<string, any>;

function resolve(schema: Node, node: Node): Node {
  return typeof node.$ref === 'string' ? resolve(schema, schema.$defs[node.$ref.replace('#/$defs/', '')]) : node;
}

/** Required keys present and no keys the schema does not list, recursively (oneOf branches are left to valibot). */
function structuralErrors(schema: Node, node: Node, value: unknown, path: string): string[] {
  node = resolve(schema, node);
  const errors: string[] = [];
  if (Array.isArray(value) && node.items) {
    value.forEach((item, i) => errors.push(...structuralErrors(schema, node.items, item, `${path}[${i}]`)));
  } else if (typeof value === 'object' && value !== null && node.type === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of node.required ?? []) if (!(key in record)) errors.push(`${path}.${key} is required by the JSON Schema`);
    for (const [key, item] of Object.entries(record)) {
      const child = node.properties?.[key] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      if (child) errors.push(...structuralErrors(schema, child, item, `${path}.${key}`));
      else if (node.additionalProperties === false) errors.push(`${path}.${key} is not in the JSON Schema`);
    }
  }
  return errors;
}

test('the JSON Schema is valid JSON in draft 2020-12 with descriptions', (t) => {
  const schema = JSON.parse(schemaText) as Node;
  t.is(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  t.truthy(schema.description);
  for (const [key, node] of Object.entries(schema.properties as Node)) t.truthy((node as Node).description, `${key} has a description`);
});

test('there are the four realistic examples', (t) => {
  t.deepEqual(examples.sort(), ['alarm-company.json', 'energy-saver.json', 'health-sensors.json', 'leak-insurer.json']);
});

for (const file of examples) {
  test(`example ${file} passes parseContract and the JSON Schema's structure`, (t) => {
    const text = readFileSync(join(examplesDir, file), 'utf8');
    const result = parseContractText(text);
    t.true(result.ok, JSON.stringify(!result.ok && result.errors));
    const schema = JSON.parse(schemaText) as Node;
    t.deepEqual(structuralErrors(schema, schema, JSON.parse(text), '$'), []);
  });
}

test('the JSON Schema and the valibot schema name the same sections, keys and transforms', (t) => {
  const schema = JSON.parse(schemaText) as Node;
  const entries = ContractSchema.entries as Record<string, any>;
  t.deepEqual(Object.keys(schema.properties).sort(), Object.keys(entries).sort());
  t.deepEqual([...schema.required].sort(), Object.keys(entries).filter((k) => entries[k].type !== 'optional').sort());
  for (const [section, node] of Object.entries(schema.properties as Node)) {
    const inner = entries[section]?.entries;
    const props = resolve(schema, node as Node).properties;
    if (inner && props) t.deepEqual(Object.keys(props).sort(), Object.keys(inner).sort(), section);
  }
  t.deepEqual(schema.$defs.transform.properties.kind.enum, [...TRANSFORM_KINDS]);
});

test('the structural check itself catches a missing and an unknown key', (t) => {
  const schema = JSON.parse(schemaText) as Node;
  const example = JSON.parse(readFileSync(join(examplesDir, examples[0]!), 'utf8')) as Node;
  delete example.audit.reportSha256;
  example.exit.extra = 1;
  const errors = structuralErrors(schema, schema, example, '$');
  t.true(errors.includes('$.audit.reportSha256 is required by the JSON Schema'));
  t.true(errors.includes('$.exit.extra is not in the JSON Schema'));
});
