// The data map area: the hub's data map rows, with the vendor's name and whether each flow runs now.
import type { DataMapFacade, DataMapRow } from '../../web/facade/data-map.js';
import type { FacadeContext } from './context.js';

export function createDataMapArea({ hub, titleOf }: FacadeContext): DataMapFacade {
  return {
    dataMap(): DataMapRow[] {
      return hub.dataMap().map((r) => ({
        device: r.deviceId,
        deviceTitle: r.device,
        field: r.field,
        integration: r.integration,
        integrationTitle: titleOf(r.integration),
        transform: r.transform,
        purpose: r.purposeDescription ? `${r.purposeDescription} (${r.purpose})` : r.purpose,
        retention: r.retention,
        vendorStorage: r.vendorStorage,
        onwardSharing: r.onwardSharing,
        flowing: r.consentGiven && !hub.isPaused(r.integration),
      }));
    },
  };
}
