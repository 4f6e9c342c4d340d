/**
 * Signed updates over the local HTTP API: `POST /api/update/<kind>` with the
 * signed manifest (JSON) in the `x-airlock-manifest` header and the image as
 * the body, streamed straight into the installer (never held in RAM).
 * The installer refuses anything not signed by the update key, older than
 * what runs, or not matching its manifest; the answer says why.
 *
 * Example: curl --data-binary @airlock.bin -H "x-airlock-manifest: $(cat airlock.bin.manifest.json)" http://<hub>/api/update/firmware
 */
import type { UpdateInstaller } from '../../modules/update/installer.js';
import type { UploadSink, Uploads, WebResponse } from './http-server.js';

function json(status: number, value: unknown): WebResponse {
  return { status, headers: [['content-type', 'application/json']], body: JSON.stringify(value) };
}

export function updateUploads(installers: UpdateInstaller[], afterInstall: (kind: string) => void): Uploads {
  return (request) => {
    if (request.method !== 'POST' || !request.path.startsWith('/api/update/')) return undefined;
    const installer = installers.find((i) => request.path === `/api/update/${i.kind}`);
    let refusal: WebResponse | undefined;
    let manifest: unknown;
    try {
      manifest = JSON.parse(request.headers['x-airlock-manifest'] ?? '');
    } catch {
      refusal = json(400, { ok: false, reason: 'malformed', message: 'update: the x-airlock-manifest header must hold the signed manifest as JSON' });
    }
    if (!installer) refusal = json(404, { ok: false, message: `update: no installer for ${request.path}` });
    const session = refusal || !installer ? undefined : installer.begin(manifest);
    if (session && !('write' in session)) refusal = json(session.reason === 'malformed' ? 400 : 409, session);
    const sink: UploadSink = {
      write(chunk) {
        if (!refusal && session && 'write' in session) {
          const refused = session.write(chunk);
          if (refused) refusal = json(409, refused);
        }
      },
      finish() {
        if (refusal || !session || !('finish' in session)) return refusal ?? json(500, { ok: false });
        const outcome = session.finish();
        if (!outcome.ok) return json(409, outcome);
        afterInstall(installer!.kind);
        return json(200, { ...outcome, next: 'the hub restarts into the new image and confirms it once healthy' });
      },
    };
    return sink;
  };
}
