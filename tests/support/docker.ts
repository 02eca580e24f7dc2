import { spawnSync } from 'node:child_process';

/** Runs the docker CLI; returns its exit status and output. */
export function docker(args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync('docker', args, { encoding: 'utf8' });
  return { status: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? (result.error?.message ?? '') };
}

export function dockerAvailable(): boolean {
  return docker(['info', '--format', '{{.ServerVersion}}']).status === 0;
}

/** Names of containers (running or not) carrying a label. */
export function containersWithLabel(label: string): string[] {
  return docker(['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}']).stdout.split('\n').filter(Boolean);
}

export function volumesWithLabel(label: string): string[] {
  return docker(['volume', 'ls', '--filter', `label=${label}`, '--format', '{{.Name}}']).stdout.split('\n').filter(Boolean);
}

/** Removes everything a test gateway's namespace created (containers first, then volumes). */
export function removeNamespace(namespace: string): void {
  const label = `dev.dbforge.namespace=${namespace}`;
  const containers = containersWithLabel(label);
  if (containers.length > 0) docker(['rm', '-f', ...containers]);
  const volumes = volumesWithLabel(label);
  if (volumes.length > 0) docker(['volume', 'rm', '-f', ...volumes]);
}

export function inspect<T = Record<string, unknown>>(name: string): T {
  const result = docker(['inspect', name]);
  if (result.status !== 0) throw new Error(`docker inspect ${name}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as T[])[0]!;
}
