import { describe, expect, it } from 'vitest';
import { ACCOUNT_THROTTLE, SignInThrottle } from '../src/login-throttle.js';

describe('SignInThrottle', () => {
  it('throttles a burst of parallel attempts as they arrive, before any password is checked', () => {
    const throttle = new SignInThrottle(() => 0);
    // Twelve attempts arrive together; none has been answered yet.
    const waits = Array.from({ length: 12 }, () => throttle.attempt('ada@example.com', '10.0.0.1'));
    expect(waits.filter((w) => w === 0)).toHaveLength(ACCOUNT_THROTTLE.freeFailures);
    expect(waits.slice(ACCOUNT_THROTTLE.freeFailures).every((w) => w > 0)).toBe(true);
  });

  it('holds nothing against an address for its successful sign-ins', () => {
    const throttle = new SignInThrottle(() => 0);
    // An office (or the console's server) signs many people in from one address.
    for (let i = 0; i < 500; i++) {
      expect(throttle.attempt(`user${i}@example.com`, '10.0.0.2')).toBe(0);
      throttle.succeeded(`user${i}@example.com`, '10.0.0.2');
    }
    expect(throttle.retryAfter('someone@example.com', '10.0.0.2')).toBe(0);
  });

  it('clears an account after a success, and counts an unknown account like a known one', () => {
    let clock = 0;
    const throttle = new SignInThrottle(() => clock);
    for (let i = 0; i < ACCOUNT_THROTTLE.freeFailures; i++) throttle.attempt('known@example.com', '10.0.0.3');
    for (let i = 0; i < ACCOUNT_THROTTLE.freeFailures; i++) throttle.attempt('nobody@example.com', '10.0.0.4');
    expect(throttle.retryAfter('known@example.com', '10.0.0.5')).toBe(throttle.retryAfter('nobody@example.com', '10.0.0.5'));
    expect(throttle.retryAfter('known@example.com', '10.0.0.5')).toBeGreaterThan(0);
    clock += 60_000;
    expect(throttle.attempt('known@example.com', '10.0.0.3')).toBe(0);
    throttle.succeeded('known@example.com', '10.0.0.3');
    expect(throttle.retryAfter('known@example.com', '10.0.0.3')).toBe(0);
  });
});
