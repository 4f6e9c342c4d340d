// The page's data map: which device's data goes to whom, how transformed, for what.

export interface DataMapRow {
  device: string;
  /** The device's human name, e.g. "Kitchen plug". */
  deviceTitle: string;
  field: string;
  integration: string;
  integrationTitle: string;
  /** The transform in plain language, e.g. "rounded to 10 W, averaged over 15 minutes". */
  transform: string;
  purpose: string;
  /** How long it may wait in the hub's buffer, in plain language, e.g. "up to 7 days". */
  retention: string;
  /** What the vendor says it keeps and where, e.g. "12 months, EU (Ireland)". */
  vendorStorage: string;
  /** Who else the vendor passes it to, or "nobody". */
  onwardSharing: string;
  /** Whether the data currently flows (consent given and contract active). */
  flowing: boolean;
}

export interface DataMapFacade {
  dataMap(): DataMapRow[];
}
