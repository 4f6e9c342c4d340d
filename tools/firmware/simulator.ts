/**
 * Runs a firmware build on Moddable's own runtime, headless: the SDK's Linux
 * simulator (mcsim) under Xvfb, with this process as its debugger.
 *
 * A debug build connects to xsbug at start (XSBUG_HOST/XSBUG_PORT); the SDK's
 * `tools/xsbug-log` would answer, but it prompts on the terminal and its
 * log-machine mode crashes. This runner listens on a free port instead and
 * parses the xsbug protocol with the SDK's own `xsbug-machine.js`. It keeps
 * the traces, the exceptions (with their stacks: the machine is asked to break
 * on exceptions, and is resumed at once), and the instruments XS reports each
 * second (chunk and slot bytes in use, stack peak). It stops the simulator by
 * its process group.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

export interface Instruments {
  /** XS chunk bytes in use (strings, buffers, bytecode not in ROM). */
  chunkBytes: number;
  /** XS slot bytes in use (objects, closures). */
  slotBytes: number;
  /** Deepest the stack has been, bytes. */
  stackPeakBytes: number;
  /** Everything else XS reported, by its own name. */
  all: Record<string, number>;
}

export interface SimulatorException {
  message: string;
  stack: string[];
}

export interface Simulator {
  readonly traces: string[];
  readonly exceptions: SimulatorException[];
  /** The latest instrument sample, if one arrived. */
  instruments(): Instruments | undefined;
  /** The largest value each instrument has shown since start. */
  peaks(): Instruments | undefined;
  /** Resolves with the first trace line (already seen or to come) that matches. */
  waitForTrace(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the next instrument sample. */
  nextInstruments(timeoutMs?: number): Promise<Instruments>;
  /** Resolves when the simulator process has ended. */
  readonly exited: Promise<number | null>;
  /** CPU time (user + system) the simulator process has used so far, in ms (Linux /proc); undefined once it is gone. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

export interface SimulatorOptions {
  moddable: string;
  /** The build's mc.so. */
  app: string;
  env?: Record<string, string>;
  /** Every trace line, as it arrives (for a live console). */
  onTrace?: (line: string) => void;
}

interface MachineInstrument {
  name: string;
  unit: string;
  value?: string | number;
}

interface SdkMachine {
  title?: string;
  instruments: MachineInstrument[];
  view: Record<string, { name: string; path?: string; line?: string }[]>;
  doGo(): void;
  doSetAllBreakpoint(breakpoints: unknown[], atStart: boolean, atExceptions: boolean): void;
  on(event: 'instruments', listener: (instruments: MachineInstrument[]) => void): void;
}

type MachineClass = new (input: Socket, output: Socket) => SdkMachine;

function loadMachine(moddable: string): MachineClass {
  const path = join(moddable, 'tools', 'xsbug-log', 'xsbug-machine.js');
  if (!existsSync(join(moddable, 'tools', 'xsbug-log', 'node_modules'))) {
    throw new Error(`simulator: ${path} needs its npm packages: (cd "${join(moddable, 'tools', 'xsbug-log')}" && npm install)`);
  }
  return (createRequire(import.meta.url)(path) as { Machine: MachineClass }).Machine;
}

function instrumentsFrom(list: MachineInstrument[]): Instruments | undefined {
  const all: Record<string, number> = {};
  for (const item of list) if (item.value !== undefined && Number.isFinite(Number(item.value))) all[item.name] = Number(item.value);
  // Names as XS reports them (xs/sources/xsDebug.c, fxDescribeInstrumentation).
  const chunk = all['Chunk used'];
  const slot = all['Slot used'];
  const stack = all['Stack used'];
  if (chunk === undefined || slot === undefined) return undefined;
  return { chunkBytes: chunk, slotBytes: slot, stackPeakBytes: stack ?? 0, all };
}

const CLOCK_TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** user + system CPU ms of the group's `mcsim` process, from /proc/<pid>/stat. */
function mcsimCpuMs(pgid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid pgrp ...": the fields after the command's closing parenthesis.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (comm !== 'mcsim' || Number(fields[2]) !== pgid) continue;
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  }
  return undefined;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const BLOCK_SIGPIPE = 'sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGPIPE)) or die "cannot block SIGPIPE: $!"; exec { $ARGV[0] } @ARGV or die "cannot run $ARGV[0]: $!"';

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const Machine = loadMachine(options.moddable);
  const traces: string[] = [];
  const exceptions: SimulatorException[] = [];
  const traceWaiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const instrumentWaiters: ((sample: Instruments) => void)[] = [];
  let latest: Instruments | undefined;
  let peak: Instruments | undefined;

  const onLine = (line: string): void => {
    traces.push(line);
    options.onTrace?.(line);
    for (const waiter of [...traceWaiters]) {
      if (waiter.pattern.test(line)) {
        traceWaiters.splice(traceWaiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };

  class RunnerMachine extends Machine {
    pending = '';
    onTitleChanged(title: string, tag: string): void {
      (this as unknown as { tag: string }).tag = tag;
      this.title = title;
      this.doSetAllBreakpoint([], false, true); // break on exceptions, to report their stacks
      this.doGo();
    }
    onLogged(_path: string, _line: string, data: string): void {
      this.pending += data;
      let end: number;
      while ((end = this.pending.indexOf('\n')) >= 0) {
        onLine(this.pending.slice(0, end));
        this.pending = this.pending.slice(end + 1);
      }
    }
    onBroken(_path: string, _line: string, text: string): void {
      const frames = (this.view.frames ?? []).map((f) => `${f.name}${f.path ? ` ${f.path}:${f.line}` : ''}`);
      exceptions.push({ message: text, stack: frames });
      onLine(`# exception: ${text}${frames.length ? `\n#   ${frames.join('\n#   ')}` : ''}`);
      this.doGo();
    }
    onViewChanged(name: string, items: { name: string; path?: string; line?: string }[]): void {
      this.view[name] = items;
    }
  }

  const server: Server = createServer((socket) => {
    socket.setEncoding('utf8');
    const machine = new RunnerMachine(socket, socket);
    machine.view = {};
    machine.on('instruments', (list) => {
      if (machine.title === 'mcsim') return; // the simulator's own machine, not the app's
      const sample = instrumentsFrom(list);
      if (!sample) return;
      latest = sample;
      peak = peak
        ? {
            chunkBytes: Math.max(peak.chunkBytes, sample.chunkBytes),
            slotBytes: Math.max(peak.slotBytes, sample.slotBytes),
            stackPeakBytes: Math.max(peak.stackPeakBytes, sample.stackPeakBytes),
            all: Object.fromEntries(Object.entries(sample.all).map(([k, v]) => [k, Math.max(v, peak!.all[k] ?? v)])),
          }
        : sample;
      for (const waiter of instrumentWaiters.splice(0)) waiter(sample);
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const mcsim = join(options.moddable, 'build', 'bin', 'lin', 'release', 'mcsim');
  // SIGPIPE blocked: the SDK's Linux sockets write() without MSG_NOSIGNAL, and its xsbug connection
  // sets SIGPIPE back to the default (xs/platforms/lin_xs.c), so a write to a peer that just closed
  // (a vendor broker stopping) killed the whole simulator. On the board lwIP returns an error
  // instead, which is what the firmware must meet. A blocked signal stays blocked across exec and
  // signal(SIG_DFL), so write() returns EPIPE. perl's POSIX module is in Debian's essential perl-base.
  // AIRLOCK_SIM_GDB=1 runs the simulator under gdb: a native crash (XS itself) prints its backtrace as trace lines.
  const command =
    process.env.AIRLOCK_SIM_GDB === '1'
      ? ['gdb', '-batch', '-ex', 'handle SIGPIPE nostop noprint nopass', '-ex', 'run', '-ex', 'bt', '--args', mcsim, options.app]
      : [mcsim, options.app];
  const child: ChildProcess = spawn('xvfb-run', ['-a', 'dbus-run-session', '--', 'perl', '-MPOSIX', '-e', BLOCK_SIGPIPE, '--', ...command], {
    env: { ...process.env, ...options.env, XSBUG_HOST: '127.0.0.1', XSBUG_PORT: String(port), MODDABLE: options.moddable },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) onLine(`# mcsim: ${line}`);
  };
  child.stdout!.on('data', output);
  child.stderr!.on('data', output);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(killer);
    }
    // xvfb-run exits before its children: wait until nothing of the group is left, so a next
    // boot does not meet the old simulator on its ports and broker client ids.
    for (let tries = 0; groupAlive(child.pid!); tries++) {
      if (tries === 50) process.kill(-child.pid!, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    traces,
    exceptions,
    instruments: () => latest,
    peaks: () => peak,
    exited,
    stop,
    cpuMs: () => mcsimCpuMs(child.pid!),
    waitForTrace(pattern, timeoutMs = 60_000) {
      const seen = traces.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          traceWaiters.splice(traceWaiters.findIndex((w) => w.resolve === done), 1);
          reject(new Error(`simulator: no trace matching ${pattern} within ${timeoutMs} ms; last lines:\n${traces.slice(-15).join('\n')}`));
        }, timeoutMs);
        const done = (line: string): void => {
          clearTimeout(timer);
          resolve(line);
        };
        traceWaiters.push({ pattern, resolve: done });
      });
    },
    nextInstruments(timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`simulator: no instruments within ${timeoutMs} ms`)), timeoutMs);
        instrumentWaiters.push((sample) => {
          clearTimeout(timer);
          resolve(sample);
        });
      });
    },
  };
}
