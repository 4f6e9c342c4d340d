/**
 * The simulated NOR flash the suites use: the core's RAM flash (the
 * firmware's stand-in for a missing partition), under the name tests know.
 */
export { MemoryFlash } from '../../modules/memory-flash.js';
