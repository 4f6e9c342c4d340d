/** Stands in for `airlock/bootcontrol` in simulator builds: there is one image and nothing to roll back to. */
const BootControl = Object.freeze({
  markValid(): void {},
  rollback(): void {
    throw new Error('boot: the simulator has no previous image to go back to');
  },
  runningState: (): string => 'valid',
  nextPartitionSize: (): number => 0,
  restart(): void {
    throw new Error('boot: restart the simulator from its menu');
  },
});
export default BootControl;
