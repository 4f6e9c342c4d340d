/**
 * The TOTP enrolment QR code as an SVG, drawn on the hub so the page needs
 * no script from elsewhere. `qrcode-generator` (MIT, pure JavaScript, no
 * dependencies) does the encoding; this file only draws its modules as one
 * SVG path, which is far smaller than one rectangle per module.
 */
import qrcode from 'qrcode-generator';

export function qrSvg(text: string, title: string): string {
  // Error correction M: the URI fits in a small version and survives a smudged screen.
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  const count = code.getModuleCount();
  const quiet = 4;
  const size = count + quiet * 2;
  let path = '';
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (code.isDark(row, col)) path += `M${col + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${size * 5}" height="${size * 5}" ` +
    `role="img" aria-label="${escapeXml(title)}" shape-rendering="crispEdges">` +
    `<title>${escapeXml(title)}</title><rect width="${size}" height="${size}" fill="#fff"/>` +
    `<path d="${path}" fill="#000"/></svg>`
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
