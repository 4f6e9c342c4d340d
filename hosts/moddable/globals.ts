/** Installs the text codecs the portable core expects as globals (the only ambient globals it uses). */
import TextDecoder from 'text/decoder';
import TextEncoder from 'text/encoder';

const g = globalThis as Record<string, unknown>;
if (!g.TextEncoder) g.TextEncoder = TextEncoder;
if (!g.TextDecoder) g.TextDecoder = TextDecoder;
