/**
 * The data map area of the page's facade: the hub's data map
 * (modules/pipeline/datamap.ts) with the names a homeowner recognises
 * (companies as on the overview, devices by their given or friendly name),
 * whether each purpose flows now, and naming a device from the page.
 */
import type { DeviceInfo } from '../../reading.js';
import { MAX_DEVICE_NAME_LENGTH, NAMEABLE_SOURCES, sourceOfDeviceId } from '../../sources/device-names.js';
import { FacadeError, type Actor } from '../../web/facade.js';
import type { DataMapDevice, DataMapFacade, DataMapView } from '../../web/facade/data-map.js';
import { actorString, type FacadeContext } from './context.js';

const SOURCE_LABELS: Readonly<Record<DeviceInfo['source'], string>> = Object.freeze({
  zigbee2mqtt: 'Zigbee device',
  tasmota: 'Tasmota',
  esphome: 'ESPHome',
  bthome: 'BTHome sensor',
});

/** A label for a device nobody named: its source and what the source calls it ("Tasmota plug_office"). */
function labelOf(device: DeviceInfo): string {
  const rest = device.id.slice(device.id.indexOf(':') + 1);
  return `${SOURCE_LABELS[device.source]} ${device.source === 'bthome' ? rest.toUpperCase() : rest}`;
}

/** A device as the page shows it (also the integrations area's preview). */
export function deviceView(device: DeviceInfo, given: string | undefined): DataMapDevice {
  const nameable = NAMEABLE_SOURCES.includes(device.source);
  const title = given ?? device.name;
  return {
    id: device.id,
    title: title ?? labelOf(device),
    source: device.source,
    named: given !== undefined ? 'owner' : title !== undefined && !nameable ? 'gateway' : 'none',
    nameable,
  };
}

export function createDataMapArea({ hub, titleOf }: FacadeContext): DataMapFacade {
  function dataMap(): DataMapView {
    const map = hub.dataMap();
    const given = new Map(hub.deviceNames.list());
    return {
      devices: map.devices.map((d) => deviceView(d, given.get(d.id))),
      companies: map.companies.map((company) => {
        const paused = hub.isPaused(company.integration);
        return {
          ...company,
          title: titleOf(company.integration),
          paused,
          purposes: company.purposes.map((p) => ({ ...p, flowing: p.consentGiven && !paused })),
        };
      }),
      maxNameLength: MAX_DEVICE_NAME_LENGTH,
    };
  }

  function nameDevice(id: string, name: string, actor: Actor): DataMapDevice {
    const known = hub.sources.registry.get(id);
    const source = known?.source ?? (hub.deviceNames.get(id) !== undefined ? sourceOfDeviceId(id) : undefined);
    if (!source) throw new FacadeError(404, 'no-such-device', `The hub has not heard of a device "${id}" since it started; name it once it has sent a reading. Nothing was changed.`);
    const outcome = hub.deviceNames.give(id, source, name);
    if (!outcome.ok) throw new FacadeError(409, outcome.code, outcome.reason);
    if (outcome.name !== outcome.previous) {
      const text = outcome.name === undefined
        ? `Name "${outcome.previous ?? ''}" of device ${id} cleared.`
        : outcome.previous === undefined
          ? `Device ${id} named "${outcome.name}".`
          : `Device ${id} renamed from "${outcome.previous}" to "${outcome.name}".`;
      hub.audit.record(actorString(actor), 'config.changed', 'hub', { event: 'device.named', device: id, name: outcome.name ?? null, previous: outcome.previous ?? null, text });
    }
    return deviceView(known ?? { id, source, streams: [] }, outcome.name);
  }

  return { dataMap, nameDevice };
}
