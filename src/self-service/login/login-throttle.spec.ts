import type { GatehouseConfig } from '../../config/gatehouse-config.js';
import { FlowFormError } from '../flow/flow-errors.js';
import { LoginThrottle } from './login-throttle.js';

function throttle(): LoginThrottle {
  const config = {
    loginThrottle: { enabled: true, maxPerIdentifier: 2, maxPerAddress: 100, windowMs: 60_000 },
  } as GatehouseConfig;

  return new LoginThrottle(config);
}

describe('LoginThrottle', () => {
  it('blocks an identifier after its failures', () => {
    const limiter = throttle();
    limiter.recordFailure('ada@example.com', '10.0.0.1');
    limiter.recordFailure('ada@example.com', '10.0.0.2');

    expect(() => limiter.check('ada@example.com', '10.0.0.3')).toThrow(FlowFormError);
    expect(() => limiter.check('grace@example.com', '10.0.0.3')).not.toThrow();
  });

  it('hashes identifiers of any length', () => {
    const limiter = throttle();
    const long = 'x'.repeat(100_000);
    limiter.recordFailure(long, '10.0.0.1');
    limiter.recordFailure(long, '10.0.0.1');

    expect(() => limiter.check(long, '10.0.0.2')).toThrow(FlowFormError);
    expect(() => limiter.check(`${long}y`, '10.0.0.2')).not.toThrow();
    const keys = [...(limiter as any).windows.keys()] as string[];
    expect(keys.every((key) => key.length < 100)).toBe(true);
  });

  it('forgets an identifier after a success', () => {
    const limiter = throttle();
    limiter.recordFailure('ada@example.com', '10.0.0.1');
    limiter.recordFailure('ada@example.com', '10.0.0.1');
    limiter.recordSuccess('ada@example.com');

    expect(() => limiter.check('ada@example.com', '10.0.0.1')).not.toThrow();
  });
});
