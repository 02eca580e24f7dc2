import fs from 'node:fs';
import { DbForgeError, type WorkerStats } from '@dbforge/contracts';

const CLOCK_TICKS = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function statusField(status: string, name: string): number | null {
  const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status);
  return match ? Number(match[1]) : null;
}

/** CPU, memory and I/O of a local process, from /proc (Linux). CPU is sampled over `sampleMs`. */
export async function processStats(pid: number, memoryLimitBytes: number | null, sampleMs = 200): Promise<Omit<WorkerStats, 'db_name'>> {
  if (!fs.existsSync('/proc/self/stat')) {
    throw new DbForgeError('CAPABILITY_NOT_SUPPORTED', 'Worker statistics of the process runtime need Linux (/proc).');
  }
  try {
    const before = cpuTicks(pid);
    const started = process.hrtime.bigint();
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    const ticks = cpuTicks(pid) - before;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    // PSS divides pages shared between processes (the node binary, libraries) among them: what one worker costs.
    let pss: number | null = null;
    try {
      pss = statusField(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
    } catch {
      pss = null;
    }
    let io: string | undefined;
    try {
      io = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
    } catch {
      io = undefined;
    }
    return {
      cpu_percent: Math.round((ticks / CLOCK_TICKS / seconds) * 1000) / 10,
      memory_bytes: (pss ?? statusField(status, 'VmRSS') ?? 0) * 1024,
      memory_limit_bytes: memoryLimitBytes,
      block_read_bytes: io ? statusField(io, 'read_bytes') : null,
      block_write_bytes: io ? statusField(io, 'write_bytes') : null,
      network_rx_bytes: null,
      network_tx_bytes: null,
      pids: statusField(status, 'Threads'),
    };
  } catch (error) {
    if (error instanceof DbForgeError) throw error;
    throw new DbForgeError('WORKER_UNAVAILABLE', 'The worker is not running, so it has no statistics.', { cause: error });
  }
}
