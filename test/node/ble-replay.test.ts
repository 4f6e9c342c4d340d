/** BLE frames on the desktop: a JSON-lines replay file built with the simulator, decoded by the BTHome source. */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCrypto } from '../../hosts/node/crypto.js';
import { readReplayFile, replayFrames, replayLine } from '../../hosts/node/ble-replay.js';
import { buildBthomeFrame } from '../../hosts/sim/bthome-frames.js';
import { ManualClock } from '../../hosts/sim/manual-time.js';
import { fromHex } from '../../modules/bytes.js';
import { createBthome } from '../../modules/sources/bthome.js';
import { createSourceContext } from '../../modules/sources/context.js';

test('a replay file of plain and encrypted frames yields readings; bad lines are reported by number', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-ble-'));
  try {
    const key = fromHex('231d39c1d7cc1ab1aee224cd096db932');
    const sealedMac = '54:48:E6:8F:80:A5';
    const lines = [
      replayLine('A4:C1:38:8D:18:B2', buildBthomeFrame({ packetId: 1, objects: [[0x02, 19.5], [0x03, 48]] }), -61),
      'this is not json',
      replayLine(sealedMac, buildBthomeFrame({ objects: [[0x21, true]], encrypt: { crypto: nodeCrypto, key, mac: sealedMac, counter: 1 } })),
      '{"mac": 5, "data": "40"}',
      '',
      replayLine(sealedMac, buildBthomeFrame({ objects: [[0x21, false]] })), // a downgrade attempt
    ];
    const path = join(dir, 'frames.jsonl');
    writeFileSync(path, lines.join('\n'));
    const replay = readReplayFile(path);
    t.deepEqual(replay.badLines, [2, 4]);
    t.is(replay.frames.length, 3);
    t.is(replay.frames[0]!.rssi, -61);
    const context = createSourceContext(new ManualClock());
    const decoder = createBthome({ keys: { [sealedMac]: key } }, context, nodeCrypto);
    const readings = replayFrames(replay.frames, decoder);
    t.deepEqual(
      readings.map((r) => [r.device, r.stream, r.fields]),
      [
        ['bthome:a4:c1:38:8d:18:b2', 'climate', { temperature: 19.5, humidity: 48 }],
        ['bthome:54:48:e6:8f:80:a5', 'motion', { motion: true }],
      ],
    );
    t.is(context.counters.droppedFor('bthome', 'downgrade'), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
