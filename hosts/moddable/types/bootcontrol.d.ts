// Airlock's own native module (hosts/moddable/native/bootcontrol.js + .c): the ESP-IDF calls the
// SDK does not expose, for the boot trial of a new image (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE).
declare module 'airlock/bootcontrol' {
  const BootControl: {
    /** esp_ota_mark_app_valid_cancel_rollback(): keep the running image. */
    markValid(): void;
    /** esp_ota_mark_app_invalid_rollback_and_reboot(): back to the previous image; does not return. */
    rollback(): void;
    /** esp_ota_get_state_partition() of the running image: "valid", "pending-verify", "new", "invalid", "aborted" or "undefined". */
    runningState(): string;
    /** Size in bytes of the partition the next OTA write would use, or 0 when there is none. */
    nextPartitionSize(): number;
    /** esp_restart(). */
    restart(): void;
  };
  export default BootControl;
}
