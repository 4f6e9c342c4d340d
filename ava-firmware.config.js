// The firmware suite (test/firmware): mcconfig builds and Moddable's simulator, one at a time.
// Run by `npm run test:firmware`, which skips it, saying so, when MODDABLE is not set.
export default {
  files: ['build/test/firmware/**/*.test.js'],
  timeout: '10m',
  concurrency: 1,
  workerThreads: false,
};
