import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

import { VERSION } from '../version.js';
import type { ListenerApp } from './http-app.js';

type Operations = Record<string, Record<string, unknown>>;

/** Path prefixes served on purpose without an OpenAPI description: the built-in HTML pages. */
const UNDOCUMENTED_PREFIXES = ['/ui'];

interface RouteLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
}

/**
 * Generates one OpenAPI document for both listeners from the controllers' decorators.
 * Operations served on both listeners appear once.
 */
export function buildOpenApiDocument(apps: ListenerApp[]): OpenAPIObject {
  const base = new DocumentBuilder()
    .setTitle('Gatehouse')
    .setDescription(
      'Identity and user management with the HTTP API of ORY Kratos v0.1. Operations tagged admin are served by the admin listener (port 4434 by default) only; public ones by the public listener (port 4433); common and health ones by both.',
    )
    .setVersion(VERSION)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .build();

  const documents = apps.map((app) => SwaggerModule.createDocument(app.nest, base));
  const merged: OpenAPIObject = { ...documents[0], paths: {}, components: { schemas: {} } };
  for (const document of documents) {
    for (const [path, operations] of Object.entries(document.paths)) {
      merged.paths[path] = { ...(merged.paths[path] ?? {}), ...(operations as object) };
    }
    Object.assign(merged.components!.schemas!, document.components?.schemas ?? {});
  }

  return sortDocument(merged);
}

/** Orders paths and schemas by name, so that the committed document changes only with the API. */
function sortDocument(document: OpenAPIObject): OpenAPIObject {
  const sortKeys = <T>(record: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const paths = Object.fromEntries(
    Object.entries(document.paths)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, operations]) => [path, sortKeys(operations as Operations)]),
  );

  return {
    ...document,
    paths,
    components: { ...document.components, schemas: sortKeys(document.components?.schemas ?? {}) },
  };
}

/**
 * Lists the routes of the listeners that the document does not describe, as `METHOD /path`,
 * so that a route without decorators cannot go unnoticed. The built-in HTML pages are left out.
 */
export function findUndocumentedRoutes(apps: ListenerApp[], document: OpenAPIObject): string[] {
  const missing = new Set<string>();
  for (const app of apps) {
    const stack = (app.express as unknown as { router: { stack: RouteLayer[] } }).router.stack;
    for (const layer of stack) {
      if (!layer.route || typeof layer.route.path !== 'string') {
        continue;
      }
      const path = layer.route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      // Wildcard routes are the framework's fallbacks for unknown paths, not operations.
      if (
        path.includes('*') ||
        UNDOCUMENTED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))
      ) {
        continue;
      }
      for (const method of Object.keys(layer.route.methods)) {
        const operations = document.paths[path] as Operations | undefined;
        if (method !== '_all' && !operations?.[method]) {
          missing.add(`${method.toUpperCase()} ${path}`);
        }
      }
    }
  }

  return [...missing].sort();
}
