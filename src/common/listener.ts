/** Injection token for the listener an application serves: `public` or `admin`. */
export const LISTENER = Symbol('LISTENER');

export type Listener = 'public' | 'admin';
