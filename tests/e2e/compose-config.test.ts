import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/gateway.js';

interface Service {
  image?: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  labels?: Record<string, string>;
  networks?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  group_add?: string[];
  profiles?: string[];
}

const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  networks: Record<string, { name?: string; internal?: boolean }>;
};
const traefik = parse(fs.readFileSync(path.join(ROOT, 'infra/traefik/traefik.yml'), 'utf8')) as {
  entryPoints: Record<string, { address: string }>;
  providers: { docker: { exposedByDefault: boolean } };
  api?: { dashboard?: boolean; insecure?: boolean };
};
const withoutTraefik = parse(fs.readFileSync(path.join(ROOT, 'infra/compose/without-traefik.yml'), 'utf8')) as {
  services: Record<string, Service>;
};

/** Resolves `${VAR:-default}` the way compose does when VAR is unset. */
function withDefaults(text: string): string {
  return text.replace(/\$\{([A-Z_]+):-([^}]*)\}/g, (_m, _name, fallback: string) => fallback);
}

function router(service: Service, name: string) {
  const labels = service.labels ?? {};
  return {
    enabled: labels['traefik.enable'] === 'true',
    network: withDefaults(labels['traefik.docker.network'] ?? ''),
    rule: withDefaults(labels[`traefik.http.routers.${name}.rule`] ?? ''),
    entrypoints: labels[`traefik.http.routers.${name}.entrypoints`],
    port: labels[`traefik.http.services.${name}.loadbalancer.server.port`],
  };
}

describe('the compose stack (checked statically: Traefik is not available here)', () => {
  it('puts Traefik with the docker provider in front, exposing nothing by default and no insecure dashboard', () => {
    const t = compose.services.traefik!;
    expect(t.image).toMatch(/^traefik:v3/);
    expect(t.command).toEqual(['--configFile=/etc/traefik/traefik.yml']);
    expect(t.volumes).toContain('./infra/traefik/traefik.yml:/etc/traefik/traefik.yml:ro');
    expect(t.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock:ro');
    expect(traefik.providers.docker.exposedByDefault).toBe(false);
    expect(traefik.api?.insecure).not.toBe(true);
    expect(traefik.api?.dashboard).toBe(false);
    expect(traefik.entryPoints.web!.address).toBe(':80');
    // The only published port is Traefik's.
    expect(Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).length > 0).map(([n]) => n)).toEqual(['traefik']);
  });

  it('routes db.localhost to the gateway (its /docs included) and frontend.db.localhost to the console', () => {
    const gateway = router(compose.services.gateway!, 'dbforge-gateway');
    const edge = withDefaults(compose.networks.edge!.name ?? '');
    expect(edge).toBe('dbforge-edge');
    expect(gateway).toEqual({ enabled: true, network: edge, rule: 'Host(`db.localhost`)', entrypoints: 'web', port: '8000' });
    const frontend = router(compose.services.frontend!, 'dbforge-frontend');
    expect(frontend).toEqual({ enabled: true, network: edge, rule: 'Host(`frontend.db.localhost`)', entrypoints: 'web', port: '3000' });
    // Traefik reaches both on the edge network, and only there.
    expect(compose.services.traefik!.networks).toEqual(['edge']);
    // A Host rule without a path prefix: /docs, /api and /admin all reach the gateway.
    expect(gateway.rule).not.toMatch(/PathPrefix/);
  });

  it('runs the gateway with the docker runtime, and gives the Docker socket to no other DB-Forge service', () => {
    const gateway = compose.services.gateway!;
    expect(gateway.environment?.DBFORGE_RUNTIME).toBe('docker');
    expect(withDefaults(gateway.environment?.DBFORGE_DOCKER_NETWORK ?? '')).toBe(withDefaults(compose.networks.workers!.name ?? ''));
    expect(gateway.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    expect(gateway.networks).toEqual(['edge', 'workers']);
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'gateway' || name === 'traefik') continue;
      expect((service.volumes ?? []).some((v) => v.includes('docker.sock')), name).toBe(false);
      expect(service.networks ?? [], name).not.toContain('workers');
    }
    expect(compose.networks.workers!.internal).toBe(true);
  });

  it('hardens every service: read-only root, no capabilities beyond need, no new privileges', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.read_only, name).toBe(true);
      expect(service.cap_drop, name).toEqual(['ALL']);
      expect(service.security_opt, name).toContain('no-new-privileges:true');
    }
  });

  it('has an override that leaves Traefik out and publishes the services on loopback only', () => {
    expect(withoutTraefik.services.traefik!.profiles).toEqual(['traefik']);
    expect(withoutTraefik.services.gateway!.ports!.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
    expect(withoutTraefik.services.frontend!.ports!.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
  });

  it('documents every variable it uses in .env.example', () => {
    const used = new Set(
      [...fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!),
    );
    const documented = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    for (const name of used) expect(documented, name).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});
