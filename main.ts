/**
 * Firmware entry for the ESP32 and Moddable's simulator (built by mcconfig
 * from manifest.json). The desktop equivalent is `airlock run`.
 */
import { makeModdableHost } from './hosts/moddable/host.js';
import { toHex, utf8 } from './modules/bytes.js';

export default function main(): void {
  const host = makeModdableHost();
  host.log.info('airlock: booted', { boot: host.clock.bootCount, flashBytes: host.recordFlash.byteLength });
  host.log.info('airlock: crypto self-check', { sha256: toHex(host.crypto.sha256(utf8('airlock'))).slice(0, 16) });
}
