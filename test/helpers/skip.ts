import { describe, it, type TestContext, type TestFunction } from 'vitest';

// Every test that cannot run on this machine (no root, a missing binary, no IPv6 loopback) goes
// through here: it is skipped with its reason in the name and on stderr, or, where CI sets
// PORTWATCH_REQUIRE_TOOLS=1, it fails with that reason, so a green CI run has run everything.

/** Whether a test that cannot run here must fail instead of skipping (CI sets it). */
export function toolsRequired(): boolean {
  return process.env['PORTWATCH_REQUIRE_TOOLS'] === '1';
}

/** The error a test fails with under PORTWATCH_REQUIRE_TOOLS=1 when `reason` keeps it from running. */
export function requiredError(reason: string): Error {
  return new Error(`PORTWATCH_REQUIRE_TOOLS=1 but ${reason}`);
}

const said = new Set<string>();

function say(name: string, reason: string): void {
  const line = `skipped: ${name}: ${reason}\n`;
  if (!said.has(line)) process.stderr.write(line);
  said.add(line);
}

/**
 * `describe(name, body)` when `missing` is undefined. Otherwise the suite is skipped with the
 * reason in its name, or, under PORTWATCH_REQUIRE_TOOLS=1, replaced by one test that fails
 * with it (the body's hooks would only fail for the same reason, less clearly).
 */
export function describeOrSkip(missing: string | undefined, name: string, body: () => void): void {
  if (missing === undefined) {
    describe(name, body);
  } else if (toolsRequired()) {
    describe(name, () => {
      it('can run here', () => {
        throw requiredError(missing);
      });
    });
  } else {
    say(name, missing);
    describe.skip(`${name} (skipped: ${missing})`, body);
  }
}

/** `it(name, fn, timeout)` when `missing` is undefined; otherwise skipped, or failing as describeOrSkip says. */
export function itOrSkip(missing: string | undefined, name: string, fn: TestFunction, timeout?: number): void {
  if (missing === undefined) return it(name, fn, timeout);
  if (toolsRequired()) {
    return it(name, () => {
      throw requiredError(missing);
    });
  }
  say(name, missing);
  it.skip(`${name} (skipped: ${missing})`, fn, timeout);
}

/**
 * Inside a running test, for what is only known once it runs (the loopback refusing an IPv6
 * listener): skips the rest of the test with `missing` as its note, or throws under
 * PORTWATCH_REQUIRE_TOOLS=1. Returns when `missing` is undefined.
 */
export function skipOrFail(ctx: TestContext, missing: string | undefined): void {
  if (missing === undefined) return;
  if (toolsRequired()) throw requiredError(missing);
  say(ctx.task.name, missing);
  ctx.skip(missing);
}

/** Why a test of Linux-only behaviour (/proc, prlimit, namespaces) cannot run here, or undefined. */
export function notLinux(): string | undefined {
  return process.platform === 'linux' ? undefined : 'needs Linux';
}
