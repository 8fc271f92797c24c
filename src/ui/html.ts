const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML that is already escaped, so that the `html` template inserts it as it is. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

export function escapeHtml(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');

  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

/**
 * Template tag that escapes every interpolated value unless it is SafeHtml; arrays are
 * joined. Pages are built only with it, so no value from a request reaches the page unescaped.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let result = strings[0];
  values.forEach((value, index) => {
    result += render(value) + strings[index + 1];
  });

  return new SafeHtml(result);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) {
    return value.value;
  }
  if (Array.isArray(value)) {
    return value.map(render).join('');
  }
  if (value === undefined || value === null || value === false) {
    return '';
  }

  return escapeHtml(value);
}
