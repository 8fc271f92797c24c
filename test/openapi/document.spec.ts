import { readFileSync } from 'node:fs';

import { runCli, startGatehouse, type TestServer } from '../support/gatehouse.js';
import {
  COMMITTED_DOCUMENT_URL,
  jsonSchemaOf,
  operationsOf,
  readCommittedDocument,
  schemaName,
} from './openapi-support.js';

describe('OpenAPI document', () => {
  it('committed document matches the generated one', async () => {
    const generated = await runCli(['openapi'], { LOG_LEVEL: 'error' });
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);

    // On failure, run `npm run openapi` and commit openapi/gatehouse.openapi.json.
    expect(generated.stdout).toBe(readFileSync(COMMITTED_DOCUMENT_URL, 'utf8'));
  });

  describe('served', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startGatehouse();
    });

    afterAll(async () => {
      await server.stop();
    });

    it('admin listener serves it at /openapi.json', async () => {
      const response = await fetch(`${server.adminUrl}/openapi.json`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual(readCommittedDocument());
    });

    it('public listener does not serve it', async () => {
      const response = await fetch(`${server.publicUrl}/openapi.json`);
      expect(response.status).toBe(404);
    });
  });

  describe('every operation', () => {
    const document = readCommittedDocument();
    const operations = operationsOf(document);

    it('has a unique operationId', () => {
      const ids = operations.map(({ operation }) => operation.operationId);
      expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it.each(operations.map((entry) => [`${entry.method} ${entry.path}`, entry] as const))(
      '%s describes parameters, body and responses',
      (_name, { method, path, operation }) => {
        const pathParameters = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
        for (const name of pathParameters) {
          const parameter = operation.parameters?.find(
            (candidate) => candidate.name === name && candidate.in === 'path',
          );
          expect(parameter?.required).toBe(true);
        }
        for (const parameter of operation.parameters ?? []) {
          expect(parameter.schema).toBeDefined();
        }
        if (operation.requestBody || ['post', 'put', 'patch'].includes(method)) {
          expect(operation.requestBody?.required).toBe(true);
          expect(Object.values(operation.requestBody?.content ?? {})[0]?.schema).toBeDefined();
        }

        const statuses = Object.keys(operation.responses);
        expect(statuses.some((status) => /^[23]/.test(status))).toBe(true);
        const errors = statuses.filter((status) => /^[45]/.test(status));
        expect(errors.length).toBeGreaterThan(0);
        for (const status of errors) {
          const name = schemaName(jsonSchemaOf(operation.responses[status]));
          const expected =
            operation.operationId === 'isInstanceReady' && status === '503'
              ? 'healthNotReadyStatus'
              : 'genericError';
          expect(`${status} ${name}`).toBe(`${status} ${expected}`);
        }
      },
    );

    it('refers only to schemas it defines', () => {
      const text = JSON.stringify(document);
      const names = [...text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);
      for (const name of new Set(names)) {
        expect(document.components.schemas[name]).toBeDefined();
      }
    });
  });
});
