// Every comparison of a MAC, tag, token, code or hash in the shipped code goes through
// modules/constant-time.ts. A source sweep, with its own positive control: the pattern must
// catch the comparisons this project used to make (`entryMac(...) !== entry.mac`, `bytesEqual`).
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../../hosts/xs/engine.js';

const SECRET = '(?:mac|tag|hash|digest|sha256|token|csrf|otp|code|password|signature|secret)';
// `<something ending in a secret-ish name> ===/!== <not a literal>` or the reverse, and any
// bytesEqual outside modules/bytes.ts (it stops at the first difference).
const patterns = [
  new RegExp(`[\\w.#\\]]*${SECRET}\\)?\\s*[!=]==\\s*(?!undefined|null|['"\`]|\\d|true|false)[\\w.#(]`, 'i'),
  new RegExp(`[!=]==\\s*[\\w.#]*${SECRET}\\b(?!\\s*\\()`, 'i'),
  /\bbytesEqual\(/,
];
// Comparisons that name such a field but compare something public (a kind, a count, a topic).
const allowed = [/\.kind\b|Code\s*===\s*KIND_CODE|typeof|\.length\b|status|reason|etag/i, /(problem|expectation)\.code\b/];
// Error codes (`problem.code`, a thrown error's `code`) are names, not secrets.

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

function findings(text: string): number[] {
  return text.split('\n').flatMap((line, i) => {
    if (/^\s*(\/\/|\*|\/\*)/.test(line)) return [];
    return patterns.some((p) => p.test(line)) && !allowed.some((a) => a.test(line)) ? [i + 1] : [];
  });
}

test('the sweep catches the comparisons it is meant to catch (positive control)', (t) => {
  for (const bad of [
    "if (key && entryMac(crypto, key, hash) !== entry.mac) return fail('x');",
    'if (hash !== entry.hash) return fail();',
    'if (digest !== manifest.sha256) {',
    'return bytesEqual(derived, fromHex(account.hash));',
    'invitation.hash === this.#codeHash(salt, normalized) &&',
    'if (sent !== session.csrf) throw new Error();',
  ]) {
    t.deepEqual(findings(bad), [1], bad);
  }
  t.deepEqual(findings('if (!constantTimeEqual(hash, entry.hash)) return fail();'), []);
});

test('modules/, tools/ and the hosts compare MACs, tags, tokens, codes and hashes only in constant time', (t) => {
  const files = ['modules', 'tools', 'hosts/node', 'hosts/xs', 'hosts/moddable'].flatMap((d) => sources(join(repoRoot, d)));
  t.true(files.length > 50, 'the sweep reads the source tree');
  const hits = files
    .filter((f) => !f.endsWith(join('modules', 'bytes.ts')))
    .flatMap((f) => findings(readFileSync(f, 'utf8')).map((line) => `${relative(repoRoot, f)}:${line}: ${readFileSync(f, 'utf8').split('\n')[line - 1]!.trim()}`));
  t.deepEqual(hits, [], 'use constantTimeEqual from modules/constant-time.ts');
});
