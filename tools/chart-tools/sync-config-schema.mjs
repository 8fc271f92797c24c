// Copies the Gatehouse configuration schema into the chart's values.schema.json as the schema
// of the `config` value, less the keys the chart manages, so that Helm rejects a misspelt
// configuration key before anything reaches the cluster.
//
//   node sync-config-schema.mjs           rewrite helm/gatehouse/values.schema.json
//   node sync-config-schema.mjs --check   exit 1 when it is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const root = new URL('../../', import.meta.url);
const configSchemaUrl = new URL('src/config/config.schema.json', root);
const valuesSchemaUrl = new URL('helm/gatehouse/values.schema.json', root);

/** Keys the chart sets itself, as paths of property names. */
const MANAGED_KEYS = [
  ['dsn'],
  ['secrets'],
  ['serve', 'public', 'host'],
  ['serve', 'public', 'port'],
  ['serve', 'admin', 'host'],
  ['serve', 'admin', 'port'],
  ['serve', 'shutdown_grace_period'],
];

export function chartConfigSchema(configSchema) {
  const { definitions, ...rest } = structuredClone(configSchema);
  delete rest.$schema;
  delete rest.$id;
  delete rest.title;
  for (const keyPath of MANAGED_KEYS) {
    let node = rest;
    for (const key of keyPath.slice(0, -1)) {
      node = node.properties[key];
    }
    delete node.properties[keyPath[keyPath.length - 1]];
  }
  rest.description =
    'Gatehouse configuration written to config.yaml, less the keys the chart manages (dsn, secrets, serve hosts and ports, serve.shutdown_grace_period).';

  return { config: rest, definitions };
}

const configSchema = JSON.parse(readFileSync(configSchemaUrl, 'utf8'));
const valuesSchema = JSON.parse(readFileSync(valuesSchemaUrl, 'utf8'));
const { config, definitions } = chartConfigSchema(configSchema);
const current = { config: valuesSchema.properties.config, definitions: valuesSchema.definitions };

if (process.argv.includes('--check')) {
  if (!isDeepStrictEqual(current, { config, definitions })) {
    console.error(
      'helm/gatehouse/values.schema.json no longer matches src/config/config.schema.json: run "node tools/chart-tools/sync-config-schema.mjs".',
    );
    process.exitCode = 1;
  }
} else {
  valuesSchema.properties.config = config;
  valuesSchema.definitions = definitions;
  // Prettier comes from the project's own dependencies, so the file stays as `npm run format` leaves it.
  const prettier = await import('prettier');
  const filepath = fileURLToPath(valuesSchemaUrl);
  const options = await prettier.resolveConfig(filepath);
  const text = await prettier.format(JSON.stringify(valuesSchema, null, 2), {
    ...options,
    filepath,
  });
  writeFileSync(valuesSchemaUrl, text);
}
