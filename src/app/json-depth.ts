/** Deepest JSON nesting accepted in request bodies; real identity traits need a handful of levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * Rejects JSON bodies nested deeper than MAX_JSON_DEPTH before they are parsed, because
 * deeply nested values make later recursive processing (validation, cloning) expensive.
 *
 * @throws Error with status 400, which the error handler turns into the envelope.
 */
export function assertJsonDepth(buffer: Buffer): void {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (const byte of buffer) {
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (byte === 0x5c) {
        escaped = true;
      } else if (byte === 0x22) {
        inString = false;
      }
      continue;
    }
    if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x7b || byte === 0x5b) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) {
        throw Object.assign(
          new Error(`The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`),
          {
            status: 400,
            type: 'json.too.deep',
          },
        );
      }
    } else if (byte === 0x7d || byte === 0x5d) {
      depth -= 1;
    }
  }
}
