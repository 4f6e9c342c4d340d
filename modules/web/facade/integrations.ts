/**
 * The page's "Add an integration" area (modules/hub/facade/integrations.ts
 * implements it over the hub's IntegrationInstaller). Plain JSON results,
 * synchronous like the rest of the facade: fetching a contract from an
 * address starts with one request and is polled with another.
 */
import type { Actor } from '../facade.js';
import type { DataMapDevice } from './data-map.js';

/** One kind of data the contract would send, with the devices that would send it. */
export interface PreviewKind {
  purpose: string;
  /** The purpose in the contract's words. */
  purposeText: string;
  field: string;
  transform: string;
  /** Titles of this home's devices that send it (as the data map names them). */
  devices: string[];
}

export interface ContractProblem {
  /** Where in the contract, e.g. `streams[0].fields.power.transform.step`; "" for the whole document. */
  path: string;
  message: string;
}

export interface IntegrationPreviewView {
  /** False when the contract has problems: `errors` lists them, nothing else is filled in. */
  valid: boolean;
  errors: ContractProblem[];
  warnings: ContractProblem[];
  integration?: string;
  vendor?: string;
  version?: string;
  endpoint?: string;
  /** What it would receive, grouped like the data map, naming this home's devices. */
  kinds?: PreviewKind[];
  /** The home's devices it would receive data from. */
  devices?: DataMapDevice[];
  purposes?: { id: string; description: string; requiresConsent: boolean }[];
  retention?: string;
  vendorStorage?: string;
  onwardSharing?: string[];
  serviceLevels?: string[];
  /** The credential the contract names (its value is never shown), and whether the hub has one. */
  credential?: { name: string; type: string; stored: boolean } | null;
  /** The installed version this one would replace (through change management), or null for a new integration. */
  replaces?: string | null;
}

export interface NewIntegration {
  /** The contract's JSON text (pasted, uploaded, or fetched). */
  contract: string;
  /** Credential values, by the name the contract gives them. */
  secrets?: Record<string, string>;
  /** An installer's relay or local stand-in instead of the contract's endpoint. */
  endpoint?: string;
}

export interface IntegrationInstalled {
  integration: string;
  version: string;
  /** `added`; for a new version of an installed contract, change management's answer: `applied`, `pending` (widening: waits for the owner), `unchanged`. */
  status: string;
  diff?: string[];
  /** Purposes that wait for consent before anything flows. */
  awaitingConsent: string[];
}

export interface ContractFetchView {
  state: 'idle' | 'fetching' | 'done' | 'failed';
  url?: string;
  /** The fetched text, when done: preview and install it like a pasted one. */
  contract?: string;
  error?: string;
}

export interface IntegrationAdmin {
  /** Lints and previews a contract without installing anything. */
  previewIntegration(contract: string, endpoint?: string): IntegrationPreviewView;
  /** Installs it (or a new version of an installed one); refusals are FacadeErrors and change nothing. */
  installIntegration(request: NewIntegration, actor: Actor): IntegrationInstalled;
  /** Replaces an installed integration's credential; the old value is never shown. */
  replaceSecret(integration: string, name: string, value: string, actor: Actor): { integration: string; name: string; stored: true };
  startContractFetch(url: string, actor: Actor): ContractFetchView;
  contractFetch(): ContractFetchView;
}
