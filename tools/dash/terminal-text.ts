/**
 * Text from the network made safe to print on a terminal. Anyone who can
 * publish on the monitoring broker chooses hub ids, integration ids and every
 * string in the state documents; written raw, an ESC or CSI sequence could
 * clear the screen, move the cursor to forge rows, retitle the window or, on
 * some terminals, write files. Bidi overrides could make one id read as another.
 */

// C0 controls and DEL, C1 controls (0x9b is CSI on its own), and the bidi
// embedding/override/isolate controls and marks (Trojan Source, CVE-2021-42574).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
const WHITESPACE = /[\t\n\r]/g;

/** The value as one line of plain text: layout whitespace becomes a space, every other control U+FFFD, so tampering shows. */
export function terminalSafe(value: unknown): string {
  return String(value).replace(WHITESPACE, ' ').replace(UNSAFE, '\uFFFD');
}
