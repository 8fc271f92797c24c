import type { Form } from '../self-service/form/form.js';
import { labelOf, renderForm } from './pages.js';

const form = (fields: Form['fields'], errors?: Form['errors']): Form => ({
  action: 'http://h/submit?request=1',
  method: 'POST',
  fields,
  errors,
});

describe('renderForm', () => {
  it('renders action, method and labelled inputs', () => {
    const page = renderForm(
      form([
        { name: 'csrf_token', type: 'hidden', required: true, value: 'tok' },
        { name: 'traits.email', type: 'email', required: true, value: 'a@example.com' },
      ]),
      'Go',
    ).toString();

    expect(page).toContain('<form action="http://h/submit?request=1" method="POST"');
    expect(page).toContain('<input type="hidden" name="csrf_token" value="tok" />');
    expect(page).toContain('<label for="field-traits-email">Email</label>');
    expect(page).toMatch(
      /id="field-traits-email"\s+name="traits.email"\s+type="email"\s+value="a@example.com" required/,
    );
  });

  it('escapes values and messages', () => {
    const page = renderForm(
      form(
        [{ name: 'identifier', type: 'text', value: '"><script>x</script>' }],
        [{ message: '<b>bad</b>' }],
      ),
      'Go',
    ).toString();

    expect(page).not.toContain('<script>');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(page).toContain('<li>&lt;b&gt;bad&lt;/b&gt;</li>');
  });

  it('links field errors to their input', () => {
    const page = renderForm(
      form([{ name: 'password', type: 'password', errors: [{ message: 'too short' }] }]),
      'Go',
    ).toString();

    expect(page).toContain('aria-invalid="true" aria-describedby="field-password-errors"');
    expect(page).toMatch(/<ul class="errors" id="field-password-errors"\s*>\s*<li>too short<\/li>/);
  });

  it('sends a hidden false before a checkbox', () => {
    const page = renderForm(
      form([{ name: 'traits.newsletter', type: 'checkbox', value: true }]),
      'Go',
    ).toString();

    expect(page.indexOf('type="hidden" name="traits.newsletter" value="false"')).toBeLessThan(
      page.indexOf('type="checkbox"'),
    );
    expect(page).toMatch(/type="checkbox"\s+name="traits.newsletter"\s+value="true"\s+checked/);
  });

  it('renders one input per list item', () => {
    const page = renderForm(
      form([{ name: 'traits.tags', type: 'text', value: ['a', 'b'] }]),
      'Go',
    ).toString();

    expect(page.match(/name="traits.tags"/g)).toHaveLength(2);
    expect(page).toContain('value="a"');
    expect(page).toContain('value="b"');
    expect(page).toContain('aria-label="Tags 2"');
  });
});

describe('labelOf', () => {
  it.each([
    ['traits.first_name', 'First name'],
    ['traits.name.lastName', 'Last name'],
    ['traits.names.0', 'Names'],
    ['identifier', 'Email or username'],
    ['password', 'Password'],
  ])('labels %s as %s', (name, label) => {
    expect(labelOf(name)).toBe(label);
  });
});
