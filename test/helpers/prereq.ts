import type { TestContext } from 'node:test';
import { findBinary } from '../../src/daemons/prereq.js';

/**
 * A test whose server binary is missing must FAIL in CI (CI=true) and may skip on a laptop,
 * printing why. Returns the binary's path, or undefined after marking the test skipped.
 */
export function requireServer(t: TestContext, binary: string, debianPackage: string): string | undefined {
  const found = findBinary(binary);
  if (found !== undefined) return found;
  const why = `${binary} is not installed (apt-get install ${debianPackage})`;
  if (process.env.CI === 'true') throw new Error(`${why}: required in CI`);
  t.diagnostic(`skipping: ${why}`);
  t.skip(why);
  return undefined;
}
