// The page's data map, grouped company → purpose → kind of data (modules/pipeline/datamap.ts),
// with the names a homeowner recognises, and naming a device from the page.
import type { DataMapCompany, DataMapPurpose } from '../../pipeline/datamap.js';
import type { DeviceSource } from '../../reading.js';
import type { Actor } from '../facade.js';

/** A device as the data map shows it. */
export interface DataMapDevice {
  /** The hub's id, e.g. "tasmota:plug_office", "bthome:a4:c1:38:8d:18:b2". */
  id: string;
  /** What the page calls it: the name given on the page, zigbee2mqtt's friendly_name, or a label made from the id. */
  title: string;
  source: DeviceSource;
  /** Where the title comes from: `owner` (given on the page), `gateway` (zigbee2mqtt), `none` (made from the id). */
  named: 'owner' | 'gateway' | 'none';
  /** Whether the page may name it (Tasmota, ESPHome, BTHome; zigbee2mqtt devices are named in zigbee2mqtt). */
  nameable: boolean;
}

export interface DataMapPurposeView extends DataMapPurpose {
  /** Whether data flows for it now: consent given (or not needed) and delivery not paused. */
  flowing: boolean;
}

export interface DataMapCompanyView extends Omit<DataMapCompany, 'purposes'> {
  /** The name a homeowner recognises, as on the overview. */
  title: string;
  paused: boolean;
  purposes: DataMapPurposeView[];
}

/** The data map; each kind lists its devices as indexes into `devices`. */
export interface DataMapView {
  devices: DataMapDevice[];
  companies: DataMapCompanyView[];
  /** Longest name the page may give a device. */
  maxNameLength: number;
}

export interface DataMapFacade {
  dataMap(): DataMapView;
  /**
   * Gives a Tasmota, ESPHome or BTHome device a name (empty clears it); audited. Refused with the
   * reason for a zigbee2mqtt device, an unknown one, or beyond the hub's room for names.
   */
  nameDevice(device: string, name: string, actor: Actor): DataMapDevice;
}
