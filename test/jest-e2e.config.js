/** End-to-end specs: a real Redis and a real nsjail; each file uses its own Redis key prefix. */
module.exports = {
  rootDir: '.',
  testRegex: '.*\\.e2e-spec\\.ts$',
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleFileExtensions: ['js', 'json', 'ts'],
  testEnvironment: 'node',
  testTimeout: 60000,
  // One file at a time: the process-heavy specs (shutdown, faults, tracing) time out under the
  // load of another file's sandboxes on 2 cores.
  maxWorkers: 1,
};
