// One rule for where an integration's records go (modules/hub/contract-adapter.ts, docs/delivery.md
// "Endpoint overrides"): an installer's override replaces where to connect; the topic or path is
// the contract's unless the override URL carries a path of its own.
import test from 'ava';
import { deliveryUrl, mqttTopicOf } from '../../modules/hub/contract-adapter.js';
import { makeContract } from '../support/contracts.js';

const mqttContract = makeContract(); // mqtts://ingest.wattwise.example:8883, topic homes/readings
const httpsContract = (() => {
  const c = makeContract({ integration: 'leak-insurer' });
  c.delivery = { endpoint: 'https://api.insurer.example', path: '/v2/events', maxRatePerMinute: 60, batchSize: 10 };
  return c;
})();

test('without an override the contract says where and what: endpoint plus topic or path', (t) => {
  t.is(deliveryUrl(mqttContract), 'mqtts://ingest.wattwise.example:8883/homes/readings');
  t.is(deliveryUrl(httpsContract), 'https://api.insurer.example/v2/events');
});

test('an override without a path replaces only where to connect; the contract\'s topic or path stays', (t) => {
  t.is(deliveryUrl(mqttContract, 'mqtt://127.0.0.1:1884'), 'mqtt://127.0.0.1:1884/homes/readings');
  t.is(deliveryUrl(mqttContract, 'mqtt://127.0.0.1:1884/'), 'mqtt://127.0.0.1:1884/homes/readings', 'a bare / is no path');
  t.is(deliveryUrl(httpsContract, 'http://192.168.1.5:8080'), 'http://192.168.1.5:8080/v2/events');
  t.is(deliveryUrl(httpsContract, 'https://relay.lan?region=eu'), 'https://relay.lan/v2/events?region=eu', 'the query stays where it belongs');
});

test('an override with a path replaces the topic or path as well', (t) => {
  t.is(deliveryUrl(mqttContract, 'mqtt://127.0.0.1:1884/relay/energy'), 'mqtt://127.0.0.1:1884/relay/energy');
  t.is(deliveryUrl(httpsContract, 'http://127.0.0.1:9000/ingest'), 'http://127.0.0.1:9000/ingest');
});

test('the topic a delivery URL names, or why it names none', (t) => {
  t.deepEqual(mqttTopicOf('mqtt://127.0.0.1:1884/homes/readings'), { topic: 'homes/readings' });
  t.deepEqual(mqttTopicOf('mqtt://h/living%20room'), { topic: 'living room' });
  t.regex((mqttTopicOf('mqtt://127.0.0.1:1884') as { problem: string }).problem, /no topic/);
  t.regex((mqttTopicOf('mqtt://127.0.0.1:1884/homes/#') as { problem: string }).problem, /wildcard/);
  t.regex((mqttTopicOf('mqtt://h/a/+/b') as { problem: string }).problem, /wildcard/);
  t.regex((mqttTopicOf('mqtt://h/%zz') as { problem: string }).problem, /percent-encoded/);
});
