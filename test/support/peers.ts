/**
 * The one way a Node suite handles a missing real peer (Mosquitto, Chromium,
 * openssl, tcpdump). On a developer's machine the case says what is missing
 * and how to install it, then skips or falls back (aedes for Mosquitto). With
 * CI=true it fails: CI installs every peer (.ci/run), so a missing one means
 * the run proved less than its green tick claims.
 */
export type Peer = 'mosquitto' | 'chromium' | 'openssl' | 'tcpdump';

const INSTALL: Record<Peer, string> = {
  mosquitto: 'apt-get install -y mosquitto',
  chromium: 'apt-get install -y chromium',
  openssl: 'apt-get install -y openssl',
  tcpdump: 'apt-get install -y tcpdump (and run as root or with CAP_NET_RAW)',
};

/** Whether missing peers fail: CI systems (and .ci/run's callers) set CI=true. */
export function strictPeers(env: Record<string, string | undefined> = process.env): boolean {
  return env.CI === 'true';
}

export class MissingPeerError extends Error {
  override name = 'MissingPeerError';
}

/**
 * Call where a case cannot use `peer`; `consequence` says what is skipped or
 * replaced. Throws MissingPeerError under CI=true (ava reports the case
 * failed); otherwise logs and lets the case return or fall back.
 */
export function peerMissing(t: { log(...values: unknown[]): void; pass(): void }, peer: Peer, consequence: string, env: Record<string, string | undefined> = process.env): void {
  const message = `${peer} is missing or unusable (${INSTALL[peer]}): ${consequence}`;
  if (strictPeers(env)) throw new MissingPeerError(`${message}\nCI=true: a missing peer is a failure, not a skip; install it (.ci/run does).`);
  console.warn(`SKIPPED PART: ${message}`);
  t.log(message);
  t.pass();
}
