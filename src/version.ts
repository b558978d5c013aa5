/** The package version, stamped into results and `--version`; test/unit/cli-run.test.ts holds it equal to package.json's. */
export const VERSION = '0.1.0';
