// The vector was made with:
//   node -e "const c=require('crypto'), k=c.createHash('sha256').update('airlock cross-host key').digest(),
//            x=c.createCipheriv('aes-256-gcm',k,Buffer.from('000000010000000000000007','hex'));
//            x.setAAD(Buffer.from('airlock/v1 energy-saver epoch=1 seq=7'));
//            console.log(Buffer.concat([x.update(Buffer.from('a4616974...','hex')),x.final(),x.getAuthTag()]).toString('hex'))"
import test from 'ava';
import { fromHex, toHex, utf8 } from '../../modules/bytes.js';
import { platformCrypto as crypto, platformName } from '../support/platform.js';
import { crossHostSeal as v } from '../vectors/cross-host.js';

test(`${platformName} derives the same key and seals the record to the same bytes as every host`, (t) => {
  const key = crypto.sha256(utf8(v.keySource));
  t.is(toHex(key), v.key);
  const sealed = crypto.aesGcmSeal(key, fromHex(v.nonce), fromHex(v.plaintext), utf8(v.aad));
  t.is(toHex(sealed), v.sealed);
  t.is(toHex(crypto.aesGcmOpen(key, fromHex(v.nonce), fromHex(v.sealed), utf8(v.aad))!), v.plaintext);
});
