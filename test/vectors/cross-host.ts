/**
 * One sealed record, produced once with node:crypto (OpenSSL) by the command in
 * test/core/cross-host.test.ts. Every host must produce exactly these bytes,
 * so a record sealed on the ESP32 opens on the desktop and the other way round.
 */
export const crossHostSeal = {
  keySource: 'airlock cross-host key', // key = SHA-256 of this text
  key: '0487accda52de964f150ce40b9dbc92f0b43e9fd5e44a288fc1d2e7a2676b82c',
  nonce: '000000010000000000000007',
  plaintext: 'a461697174656d70657261747572652d646576696365',
  aad: 'airlock/v1 energy-saver epoch=1 seq=7',
  sealed: 'a792ce4f78a9dd4f75f0474052e08493e5e68e20e255f4b75a8f5b709c1d6136525d0bd1eff4',
};
