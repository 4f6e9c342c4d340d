// The owner reads the vendor's command key on the page (the board has no CLI) to hand it over at
// setup: with it the vendor's signed command is accepted on the integration's channel; reading it
// is audited; other roles are refused (the role sweep in web-security.test.ts covers every route).
import test from 'ava';
import { fromHex, toHex, utf8 } from '../../modules/bytes.js';
import { makeContract } from '../support/contracts.js';
import { makeHubWebRig } from '../support/hub-web-rig.js';
import { platformCrypto } from '../support/platform.js';

test('the owner reads the command key and channel; a command signed with it is acted on; showing it is audited', async (t) => {
  const r = makeHubWebRig([makeContract()]);
  const { owner } = await r.setUpOwner();
  const shown = await owner.post('/api/integrations/energy-saver/command-key', {});
  t.is(shown.status, 200, shown.text);
  t.regex(shown.json.key, /^[0-9a-f]{64}$/);
  t.regex(shown.json.channel, /MQTT: .*"homes\/readings\/commands\/[^"]+" on mqtts:\/\/ingest\.wattwise\.example:8883$/);
  const body = JSON.stringify({ id: 'k1', type: 'incident.report', title: 'Signed with the shown key' });
  const mac = toHex(platformCrypto.hmacSha256(fromHex(shown.json.key), utf8(body)));
  r.transports.get('energy-saver')!.command(utf8(JSON.stringify({ body, mac })));
  t.is(r.hub.incidents.list('energy-saver').length, 1);
  t.is(r.hub.audit.entries((e) => e.action === 'config.changed' && (e.details as { event?: string }).event === 'command-key.shown').length, 1);
  await r.close();
});
