import { emptyDrops, type IntegrationStatus, type MonitorSnapshot } from '../../modules/monitor/status.js';

export function integrationStatus(id: string, overrides: Partial<IntegrationStatus> = {}): IntegrationStatus {
  return {
    id,
    vendor: `${id} Ltd`,
    connectivity: 'online',
    received: 0,
    forwarded: 0,
    dropped: emptyDrops(),
    retried: 0,
    bufferedRecords: 0,
    bufferedBytes: 0,
    ramRecords: 0,
    oldestBufferedAgeS: null,
    lastDelivery: null,
    lastError: null,
    slaViolations: 0,
    pendingApproval: false,
    auditOverdue: false,
    openIncidents: 0,
    commandsAccepted: 0,
    commandsRefused: 0,
    session: null,
    sessionWaits: 0,
    ...overrides,
  };
}

export function snapshot(integrations: IntegrationStatus[]): MonitorSnapshot {
  return {
    hub: {
      hubId: 'home-1',
      version: '0.1.0',
      uptimeS: 10,
      bootCount: 1,
      uplink: 'online',
      wallClockKnown: true,
      readingsReceived: 0,
      malformedInputs: 0,
      devicesRefused: 0,
      windowsClosedEarly: 0,
      integrations: integrations.length,
      auditHeadSeq: null,
      auditHeadHash: null,
    },
    integrations,
  };
}
