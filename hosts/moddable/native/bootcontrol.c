/*
 * Airlock: native half of hosts/moddable/native/bootcontrol.js.
 * ESP-IDF app rollback (esp_ota_ops.h): a new image boots in PENDING_VERIFY; unless
 * markValid() runs before the next reset, the bootloader abandons it and boots the previous
 * image. Only checked against the ESP-IDF documentation; no board was available to run it.
 */
#include "xsmc.h"
#include "xsHost.h"
#include "esp_system.h"
#include "app_update/include/esp_ota_ops.h"

void xs_airlock_boot_mark_valid(xsMachine *the)
{
	esp_err_t err = esp_ota_mark_app_valid_cancel_rollback();
	if (ESP_OK != err)
		xsUnknownError("boot: cannot mark the running image valid");
}

void xs_airlock_boot_rollback(xsMachine *the)
{
	/* Restarts into the previous image; it only returns when there is none. */
	esp_ota_mark_app_invalid_rollback_and_reboot();
	xsUnknownError("boot: no previous image to go back to");
}

void xs_airlock_boot_running_state(xsMachine *the)
{
	esp_ota_img_states_t state;
	const esp_partition_t *running = esp_ota_get_running_partition();
	const char *name = "undefined";

	if (running && (ESP_OK == esp_ota_get_state_partition(running, &state))) {
		switch (state) {
			case ESP_OTA_IMG_NEW: name = "new"; break;
			case ESP_OTA_IMG_PENDING_VERIFY: name = "pending-verify"; break;
			case ESP_OTA_IMG_VALID: name = "valid"; break;
			case ESP_OTA_IMG_INVALID: name = "invalid"; break;
			case ESP_OTA_IMG_ABORTED: name = "aborted"; break;
			default: break;
		}
	}
	xsmcSetString(xsResult, (char *)name);
}

void xs_airlock_boot_next_partition_size(xsMachine *the)
{
	const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
	xsmcSetInteger(xsResult, next ? (xsIntegerValue)next->size : 0);
}

void xs_airlock_boot_restart(xsMachine *the)
{
	esp_restart();
}
