/**
 * Finds keys that appear twice in one JSON object. JSON.parse keeps the last
 * silently, so a contract naming a field twice (with two different transforms)
 * would be enforced with whichever came last: the contract is refused instead.
 *
 * This is not a parser: it runs only on text JSON.parse already accepted, and
 * only tracks where objects and arrays begin and end and which keys they hold.
 */

export interface DuplicateKey {
  /** Path of the object holding the key, then the key. */
  path: (string | number)[];
  key: string;
}

interface Frame {
  kind: 'object' | 'array';
  keys: Set<string>;
  /** The key (object) or index (array) the next value will take. */
  at: string | number;
  /** In an object: whether the next string is a key. */
  expectKey: boolean;
}

export function findDuplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (top?.kind === 'object' && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) found.push({ path: [...stack.slice(0, -1).map((f) => f.at), key], key });
        top.keys.add(key);
        top.at = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      stack.push({ kind: c === '{' ? 'object' : 'array', keys: new Set(), at: 0, expectKey: c === '{' });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',' && top) {
      if (top.kind === 'object') top.expectKey = true;
      else top.at = (top.at as number) + 1;
    }
  }
  return found;
}

/** Index of the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}
