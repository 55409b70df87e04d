/** Two projects: fast unit tests beside pure code, and integration tests on real PostgreSQL. */
const fs = require('fs');
const swc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;
const transform = { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] };

module.exports = {
  // Jest reads testTimeout only at the top level, not per project.
  testTimeout: 60000,
  // Integration tests mostly wait on PostgreSQL and child processes: two workers overlap that
  // waiting even on a 2-core machine, where jest's default (cores - 1) would run one file at a time.
  maxWorkers: 2,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      setupFiles: ['reflect-metadata'],
      testMatch: ['<rootDir>/src/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      setupFiles: ['reflect-metadata'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      testMatch: ['<rootDir>/test/integration/**/*.int.test.ts'],
    },
  ],
};
