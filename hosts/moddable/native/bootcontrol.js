/*
 * Airlock: the ESP-IDF boot-control calls the Moddable SDK does not expose, for the
 * boot trial of a newly installed image. Requires CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=y
 * (hosts/moddable/sdkconfig/sdkconfig.defaults). Declared in types/bootcontrol.d.ts.
 */
function markValid() @ "xs_airlock_boot_mark_valid";
function rollback() @ "xs_airlock_boot_rollback";
function runningState() @ "xs_airlock_boot_running_state";
function nextPartitionSize() @ "xs_airlock_boot_next_partition_size";
function restart() @ "xs_airlock_boot_restart";

export default Object.freeze({ markValid, rollback, runningState, nextPartitionSize, restart });
