import test from 'ava';
import { plaintextRefusal, refusingTransport } from '../../modules/forward/refusing-transport.js';
import { DeliveryError } from '../../modules/forward/transport.js';

test('plain mqtt:// and http:// are refused for internet hosts, allowed on the home network', (t) => {
  t.regex(plaintextRefusal('mqtt://ingest.vendor.example:1883/homes')!, /unencrypted.*mqtts:\/\//);
  t.regex(plaintextRefusal('http://api.vendor.example/v1')!, /https:\/\//);
  t.is(plaintextRefusal('mqtt://192.168.1.20:1883/relay'), undefined);
  t.is(plaintextRefusal('http://127.0.0.1:8080/stand-in'), undefined);
  t.is(plaintextRefusal('mqtts://ingest.vendor.example:8883/homes'), undefined);
  t.is(plaintextRefusal('https://api.vendor.example/v1'), undefined);
});

test('a refusing transport says why on every send and never connects', async (t) => {
  const transport = refusingTransport('mqtt://ingest.vendor.example/x', 'energy: refused for a reason');
  t.is(transport.state(), 'disconnected');
  const error = await t.throwsAsync(transport.send({ integration: 'energy', firstSeq: 1, lastSeq: 1, body: new Uint8Array(1), contentType: 'application/cbor' }, { timeoutMs: 10 }));
  t.true(error instanceof DeliveryError);
  t.is((error as DeliveryError).kind, 'rejected');
  t.regex((error as Error).message, /refused for a reason/);
});
