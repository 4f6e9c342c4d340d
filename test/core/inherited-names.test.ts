// Regression (found by the ESPHome fuzzer inside XS): a device may name a field after an
// Object.prototype property. Under frozen intrinsics (a Moddable preload build) plain assignment
// of such a name throws; the hub must carry it like any other name.
import test from 'ava';
import { utf8 } from '../../modules/bytes.js';
import { createSourceContext } from '../../modules/sources/context.js';
import { createEsphome } from '../../modules/sources/esphome.js';
import { createZigbee2Mqtt } from '../../modules/sources/zigbee2mqtt.js';
import { makeTestHost } from '../support/test-host.js';

for (const name of ['toString', 'valueOf', 'constructor', 'hasOwnProperty']) {
  test(`an ESPHome entity called "${name}" becomes a reading`, (t) => {
    const context = createSourceContext(makeTestHost().clock);
    const readings = createEsphome({}, context).handleMessage(`garage/switch/${name}/state`, utf8('OFF'));
    t.is(readings.length, 1);
    t.true(Object.prototype.hasOwnProperty.call(readings[0]!.fields, name));
    t.is(readings[0]!.fields[name], false);
  });
}

test('a zigbee2mqtt payload with inherited property names is read, not refused', (t) => {
  const context = createSourceContext(makeTestHost().clock);
  const readings = createZigbee2Mqtt({}, context).handleMessage('zigbee2mqtt/odd device', utf8(JSON.stringify({ valueOf: 3, toString: 'x', temperature: 20 })));
  const fields = Object.fromEntries(readings.flatMap((r) => Object.entries(r.fields))) as Record<string, unknown>;
  t.is(fields.temperature, 20);
  t.is(Object.getOwnPropertyDescriptor(fields, 'valueOf')?.value, 3);
});
