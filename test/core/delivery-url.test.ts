// One rule for where an integration's records go (modules/contract/terms.ts, docs/delivery.md
// "Endpoint overrides"): an installer's override replaces where to connect; the topic or path is
// the contract's unless the override URL carries a path of its own.
import test from 'ava';
import { parseEndpoint } from '../../modules/forward/endpoint-url.js';
import { deliveryUrl } from '../../modules/contract/terms.js';
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

test('a delivery target that names no topic to publish to is refused, saying where the topic comes from', (t) => {
  t.is(parseEndpoint(deliveryUrl(mqttContract, 'mqtt://127.0.0.1:1884')).path, 'homes/readings');
  t.throws(() => parseEndpoint('mqtt://127.0.0.1:1884'), { message: /names no topic.*delivery\.topic/ });
  t.throws(() => parseEndpoint(deliveryUrl(mqttContract, 'mqtt://127.0.0.1:1884/homes/#')), { message: /wildcard.*delivery\.topic/ });
  t.throws(() => parseEndpoint(deliveryUrl(mqttContract, 'mqtt://h/a/+/b')), { message: /wildcard/ });
  t.throws(() => parseEndpoint('mqtt://h/%zz'), { message: /malformed %-escape/ });
  t.throws(() => parseEndpoint('https://h/in#part'), { message: /#fragment/ });
});
