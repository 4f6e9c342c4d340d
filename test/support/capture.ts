/**
 * A packet capture on loopback with tcpdump (or tshark's dumpcap when only
 * that is installed), limited to some TCP ports, written to a pcap file. The
 * raw capture file is what a test searches: every byte that crossed those
 * ports, headers included. Needs the right to capture (root or CAP_NET_RAW).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface Capture {
  readonly tool: string;
  /** Stops the capture (the file is flushed) and returns its bytes. */
  stop(): Promise<Uint8Array>;
}

function which(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  return [`/usr/sbin/${name}`, `/usr/bin/${name}`].find((p) => existsSync(p));
}


/**
 * Starts capturing TCP traffic on `lo` to or from any of `ports` into `file`.
 * Resolves once the tool says it is listening; undefined when no tool is
 * installed; rejects (with the tool's message) when it cannot capture.
 */
export async function startLoopbackCapture(file: string, ports: number[]): Promise<Capture | undefined> {
  const filter = ports.map((p) => `tcp port ${p}`).join(' or ');
  const tcpdump = which('tcpdump');
  const tshark = tcpdump ? undefined : which('tshark');
  if (!tcpdump && !tshark) return undefined;
  const [tool, args] = tcpdump
    ? [tcpdump, ['-i', 'lo', '-U', '-s', '0', '-w', file, filter]]
    : [tshark!, ['-i', 'lo', '-F', 'pcap', '-w', file, '-f', filter]];
  const child: ChildProcess = spawn(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${tool} did not start capturing within 10 s: ${stderr}`)), 10_000);
    child.stderr!.on('data', (chunk) => {
      stderr += String(chunk);
      if (/listening on|Capturing on/i.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${tool} exited (${code}) before capturing: ${stderr.trim()}`));
    });
  });
  return {
    tool,
    async stop() {
      // Let the last packets through the kernel's buffer before asking it to finish.
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill('SIGINT');
      await exited;
      return new Uint8Array(readFileSync(file));
    },
  };
}
