import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './env.js';
import { exited, freePort } from './processes.js';

/**
 * The real nginx and HAProxy (Debian's packages) run as child processes in front of test
 * gateways, each from a temp directory with its own config, pid and logs, on free ports of
 * 127.0.0.1. The configs are rendered from the committed templates in infra/ by swapping only the
 * gateway addresses, the listening ports and the log path, so a test proves the shipped files.
 */

export const INFRA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'infra');
export const NGINX_SITE = join(INFRA_DIR, 'nginx', 'examhall.conf');
export const NGINX_MAIN = join(INFRA_DIR, 'nginx', 'nginx.conf');
export const HAPROXY_CFG = join(INFRA_DIR, 'haproxy', 'examhall.cfg');

export type ProxyKind = 'nginx' | 'haproxy';

/** An executable on PATH or in the sbin folders a non-root PATH often lacks; undefined if none. */
export function findBinary(name: string): string | undefined {
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const folder of folders) {
    if (!folder) continue;
    const path = join(folder, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** One request as the proxy logged it, with the port of the gateway that served it (if any). */
export interface ProxiedRequest {
  method: string;
  url: string;
  status: number;
  gatewayPort: number | undefined;
}

export interface RunningProxy {
  kind: ProxyKind;
  /** http://127.0.0.1:<port> */
  url: string;
  /** HAProxy's stats listener (undefined for nginx) */
  statsUrl?: string;
  /** every request logged so far (nginx logs at the end of a request, HAProxy too; a WebSocket when it closes) */
  requests(): ProxiedRequest[];
  /** the proxy's own diagnostics (error log / stderr), for failure messages */
  diagnostics(): string;
  stop(): Promise<void>;
}

/**
 * Replaces the directive lines that match (patterns start at a line's beginning, so comments never
 * match), failing loudly when a template no longer has them. `collapse`: several matching lines
 * (the gateway list) become one replacement; otherwise exactly one line must match.
 */
function replaceRequired(text: string, pattern: RegExp, replacement: (match: RegExpExecArray) => string, what: string, file: string, collapse = false): string {
  const matches = [...text.matchAll(new RegExp(pattern.source, 'gm'))];
  if (matches.length === 0) throw new Error(`${file}: no ${what} found (pattern ${pattern}); the proxy test renders the template through it`);
  if (matches.length > 1 && !collapse) throw new Error(`${file}: ${matches.length} lines match ${what}; the proxy test expects one`);
  let out = '';
  let last = 0;
  matches.forEach((m, i) => {
    out += text.slice(last, m.index) + (i === 0 ? replacement(m as RegExpExecArray) : '');
    last = m.index! + m[0].length;
  });
  return out + text.slice(last);
}

/** infra/nginx/examhall.conf with these gateways, this listening port and this access log. */
export function renderNginxSite(template: string, opts: { listenPort: number; gatewayPorts: number[]; accessLog: string }): string {
  let text = replaceRequired(
    template,
    /^([ \t]*)server[ \t]+gateway-\d+:8080([^;\n]*);[ \t]*\n/m,
    (m) => opts.gatewayPorts.map((port) => `${m[1]}server 127.0.0.1:${port}${m[2]};\n`).join(''),
    'gateway server lines (server gateway-N:8080 ...;)',
    NGINX_SITE,
    true,
  );
  text = replaceRequired(text, /^([ \t]*)listen[ \t]+8080\b/, (m) => `${m[1]}listen 127.0.0.1:${opts.listenPort}`, 'listen 8080', NGINX_SITE);
  text = replaceRequired(text, /^([ \t]*)access_log[ \t]+\/var\/log\/nginx\/access\.log\b/, (m) => `${m[1]}access_log ${opts.accessLog}`, 'access_log /var/log/nginx/access.log', NGINX_SITE);
  return text;
}

/** infra/nginx/nginx.conf including the rendered site file instead of /etc/nginx/conf.d/examhall.conf. */
export function renderNginxMain(template: string, sitePath: string): string {
  return replaceRequired(template, /^([ \t]*)include[ \t]+\/etc\/nginx\/conf\.d\/examhall\.conf;/, (m) => `${m[1]}include ${sitePath};`, 'include of examhall.conf', NGINX_MAIN);
}

/** infra/haproxy/examhall.cfg with these gateways and listening ports. */
export function renderHaproxy(template: string, opts: { listenPort: number; statsPort: number; gatewayPorts: number[] }): string {
  let text = replaceRequired(
    template,
    /^([ \t]*)server[ \t]+gw\d+[ \t]+gateway-\d+:8080[ \t]+cookie[ \t]+gw\d+([^\n]*)\n/m,
    (m) => opts.gatewayPorts.map((port, i) => `${m[1]}server gw${i + 1} 127.0.0.1:${port} cookie gw${i + 1}${m[2]}\n`).join(''),
    'gateway server lines (server gwN gateway-N:8080 cookie gwN)',
    HAPROXY_CFG,
    true,
  );
  text = replaceRequired(text, /^([ \t]*)bind[ \t]+:8080\b/m, (m) => `${m[1]}bind 127.0.0.1:${opts.listenPort}`, 'bind :8080', HAPROXY_CFG);
  text = replaceRequired(text, /^([ \t]*)bind[ \t]+:8404\b/m, (m) => `${m[1]}bind 127.0.0.1:${opts.statsPort}`, 'bind :8404', HAPROXY_CFG);
  return text;
}

/** `... "GET /socket.io/?... HTTP/1.1" 200 123 upstream=127.0.0.1:4567 ...` (log_format examhall) */
function parseNginxLine(line: string): ProxiedRequest | undefined {
  const m = /"(\S+) (\S+) HTTP\/[\d.]+" (\d{3}) \d+ upstream=(\S+)/.exec(line);
  if (!m) return undefined;
  // after a retry $upstream_addr lists every gateway tried ("a, b"): the last one answered
  const upstream = m[4]!.split(',').pop()!.trim();
  const port = /:(\d+)$/.exec(upstream)?.[1];
  return { method: m[1]!, url: m[2]!, status: Number(m[3]), gatewayPort: port ? Number(port) : undefined };
}

/** HAProxy's httplog: `... examhall gateways/gw2 0/0/0/1/1 200 123 - - ---- ... "GET /socket.io/?... HTTP/1.1"` */
function parseHaproxyLine(line: string, gatewayPorts: number[]): ProxiedRequest | undefined {
  const m = /\s\S+\s\S+\/(\S+)\s\S+\s(-?\d+)\s.*"(\S+) (\S+) HTTP\/[\d.]+"\s*$/.exec(line);
  if (!m) return undefined;
  const index = /^gw(\d+)$/.exec(m[1]!)?.[1];
  return { method: m[3]!, url: m[4]!, status: Number(m[2]), gatewayPort: index ? gatewayPorts[Number(index) - 1] : undefined };
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** Kills what is still running at exit (a failed hook must not leave a proxy behind). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** nginx's worker processes (children of the master), read from /proc. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals, alsoKill: number[] = []): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited(child);
    clearTimeout(timer);
  }
  running.delete(child);
  for (const pid of alsoKill) {
    try {
      process.kill(pid, 'SIGKILL'); // only if the master left one behind; ESRCH otherwise
    } catch {
      // already gone
    }
  }
}

async function waitListening(child: ChildProcess, url: string, diagnostics: () => string): Promise<void> {
  await waitFor(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`proxy exited (${child.exitCode ?? child.signalCode}):\n${diagnostics()}`);
      try {
        await fetch(`${url}/healthz`);
        return true;
      } catch {
        return false;
      }
    },
    10_000,
    `proxy at ${url}`,
  );
}

/** nginx from infra/nginx/{nginx,examhall}.conf in front of these gateway ports. */
export async function startNginx(binary: string, gatewayPorts: number[]): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'examhall-nginx-'));
  // as root nginx runs its workers as nobody: they must reach the temp folders nginx creates here
  chmodSync(dir, 0o755);
  const port = await freePort();
  const accessLog = join(dir, 'access.log');
  const errorLog = join(dir, 'error.log');
  // Test-only lines: nginx's compiled-in temp folders are system paths (/var/lib/nginx/...).
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${join(dir, t)};`).join('\n');
  const site = `${temps}\n${renderNginxSite(readFileSync(NGINX_SITE, 'utf8'), { listenPort: port, gatewayPorts, accessLog })}`;
  writeFileSync(join(dir, 'examhall.conf'), site);
  writeFileSync(join(dir, 'nginx.conf'), renderNginxMain(readFileSync(NGINX_MAIN, 'utf8'), join(dir, 'examhall.conf')));
  let output = '';
  const child = spawn(binary, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', errorLog, '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const diagnostics = () => `${output}${readIfExists(errorLog)}`;
  const proxy: RunningProxy = {
    kind: 'nginx',
    url,
    requests: () => readIfExists(accessLog).split('\n').map(parseNginxLine).filter((r): r is ProxiedRequest => r !== undefined),
    diagnostics,
    stop: async () => {
      const workers = childPids(child.pid!);
      await stopChild(child, 'SIGTERM', workers);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitListening(child, url, diagnostics);
  } catch (err) {
    await proxy.stop();
    throw err;
  }
  return proxy;
}

/** HAProxy from infra/haproxy/examhall.cfg in front of these gateway ports (foreground, logs on stdout). */
export async function startHaproxy(binary: string, gatewayPorts: number[]): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'examhall-haproxy-'));
  const [port, statsPort] = [await freePort(), await freePort()];
  const cfg = join(dir, 'examhall.cfg');
  writeFileSync(cfg, renderHaproxy(readFileSync(HAPROXY_CFG, 'utf8'), { listenPort: port, statsPort, gatewayPorts }));
  let stdout = '';
  let stderr = '';
  const child = spawn(binary, ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const diagnostics = () => stderr;
  const proxy: RunningProxy = {
    kind: 'haproxy',
    url,
    statsUrl: `http://127.0.0.1:${statsPort}`,
    requests: () => stdout.split('\n').map((line) => parseHaproxyLine(line, gatewayPorts)).filter((r): r is ProxiedRequest => r !== undefined),
    diagnostics,
    stop: async () => {
      await stopChild(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitListening(child, url, diagnostics);
    // servers start UP; wait for the first /readyz checks to have confirmed it
    await waitFor(async () => {
      const servers = await haproxyServers(proxy.statsUrl!);
      return servers.length === gatewayPorts.length && servers.every((s) => s.status === 'UP' && s.checkStatus === 'L7OK');
    }, 10_000, 'HAProxy to see every gateway UP');
  } catch (err) {
    await proxy.stop();
    throw new Error(`${(err as Error).message}\n${diagnostics()}`);
  }
  return proxy;
}

export function startProxy(kind: ProxyKind, binary: string, gatewayPorts: number[]): Promise<RunningProxy> {
  return kind === 'nginx' ? startNginx(binary, gatewayPorts) : startHaproxy(binary, gatewayPorts);
}

/** HAProxy's stats as CSV rows of the `gateways` backend's servers: name, status (UP/DOWN), check status and code. */
export async function haproxyServers(statsUrl: string): Promise<{ name: string; status: string; checkStatus: string; checkCode: string }[]> {
  const text = await (await fetch(`${statsUrl}/stats;csv`)).text();
  const [header, ...rows] = text.split('\n').filter(Boolean);
  const columns = header!.replace(/^# /, '').split(',');
  const col = (row: string[], name: string) => row[columns.indexOf(name)] ?? '';
  return rows
    .map((line) => line.split(','))
    .filter((row) => col(row, 'pxname') === 'gateways' && col(row, 'svname') !== 'BACKEND')
    .map((row) => ({ name: col(row, 'svname'), status: col(row, 'status'), checkStatus: col(row, 'check_status'), checkCode: col(row, 'check_code') }));
}
