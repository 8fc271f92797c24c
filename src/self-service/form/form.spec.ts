import {
  addFieldError,
  addFormError,
  resetForm,
  setCsrfField,
  setFieldValue,
  sortFields,
  withoutCsrfField,
  type Form,
} from './form.js';

function formWith(...names: string[]): Form {
  return {
    action: 'http://h/',
    method: 'POST',
    fields: names.map((name) => ({ name, type: 'text' })),
  };
}

const names = (form: Form) => form.fields.map((field) => field.name);

describe('sortFields', () => {
  const order = [
    'csrf_token',
    'identifier',
    'password',
    'traits.email',
    'traits.names',
    'traits.meal.name',
  ];

  it('orders fields by the list', () => {
    const form = formWith('traits.email', 'password', 'csrf_token', 'traits.meal.name');
    sortFields(form, order);

    expect(names(form)).toEqual(['csrf_token', 'password', 'traits.email', 'traits.meal.name']);
  });

  it('sorts sub-fields with their prefix entry', () => {
    const form = formWith('traits.names.1', 'traits.email', 'traits.names.0', 'password');
    sortFields(form, order);

    expect(names(form)).toEqual(['password', 'traits.email', 'traits.names.1', 'traits.names.0']);
  });

  it('puts unknown fields last in their order', () => {
    const form = formWith('zeta', 'traits.email', 'alpha', 'csrf_token');
    sortFields(form, order);

    expect(names(form)).toEqual(['csrf_token', 'traits.email', 'zeta', 'alpha']);
  });

  it('needs a dot after a prefix', () => {
    const form = formWith('traits.emailAlt', 'traits.email', 'csrf_token');
    sortFields(form, order);

    expect(names(form)).toEqual(['csrf_token', 'traits.email', 'traits.emailAlt']);
  });
});

describe('form helpers', () => {
  it('resets values and errors but keeps fields', () => {
    const form = formWith('identifier', 'password');
    setFieldValue(form, 'identifier', 'ada');
    addFieldError(form, 'password', { message: 'wrong' });
    addFormError(form, { message: 'bad' });
    resetForm(form);

    expect(form).toEqual(formWith('identifier', 'password'));
  });

  it('adds missing fields for values and errors', () => {
    const form = formWith();
    setFieldValue(form, 'traits.age', 42, 'number');
    addFieldError(form, 'traits.name', { message: 'required' });

    expect(form.fields).toEqual([
      { name: 'traits.age', type: 'number', value: 42 },
      { name: 'traits.name', type: 'text', errors: [{ message: 'required' }] },
    ]);
  });

  it('sets or adds the CSRF field first', () => {
    const form = formWith('identifier');
    setCsrfField(form, 'one');
    setCsrfField(form, 'two');

    expect(form.fields[0]).toEqual({
      name: 'csrf_token',
      type: 'hidden',
      required: true,
      value: 'two',
    });
    expect(form.fields).toHaveLength(2);
    expect(names(withoutCsrfField(form))).toEqual(['identifier']);
  });
});
