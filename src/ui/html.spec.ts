import { escapeHtml, html, SafeHtml } from './html.js';

describe('escapeHtml', () => {
  it('escapes the five HTML special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('writes other values as escaped JSON', () => {
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml(true)).toBe('true');
    expect(escapeHtml({ a: '<b>' })).toBe('{&quot;a&quot;:&quot;&lt;b&gt;&quot;}');
    expect(escapeHtml(undefined)).toBe('');
  });
});

describe('html', () => {
  it('escapes interpolated values', () => {
    const name = '"><script>alert(1)</script>';

    expect(html`<input value="${name}" />`.toString()).toBe(
      '<input value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" />',
    );
  });

  it('inserts SafeHtml as it is', () => {
    const inner = html`<b>${'<i>'}</b>`;

    expect(html`<p>${inner}</p>`.toString()).toBe('<p><b>&lt;i&gt;</b></p>');
    expect(html`${new SafeHtml('<hr />')}`.toString()).toBe('<hr />');
  });

  it('joins arrays and drops empty values', () => {
    const items = ['<1>', html`<li>2</li>`];

    expect(html`${items}|${undefined}|${null}|${false}|${0}`.toString()).toBe(
      '&lt;1&gt;<li>2</li>||||0',
    );
  });
});
