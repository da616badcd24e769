// The dashboard API behind the session guard: live views (SSE), snapshots,
// OSD detail, manager modules, configuration and the command console. Every
// change goes through the manager's one dispatcher (runCommand) with the
// user's rights; a read-only user is refused here (403) and again by the
// dispatcher (-EACCES) should a route forget.

import { Router, type Response } from 'express';
import type { CmdMap, CommandReturn } from '../../../src/mgr-module/index.js';
import type { ConfigRow, ModuleRow } from '../view-types.js';
import { TOPICS, type Topic } from './live-hub.js';
import { osdDetail } from './views-osds.js';
import { apiError, authed, type DashboardHost } from './request-context.js';

/** Negative errno → HTTP status (what a command's failure means to a browser). */
const ERRNO_STATUS: Record<number, number> = { 1: 403, 2: 404, 13: 403, 16: 409, 17: 409, 22: 400, 11: 503, 95: 400, 110: 504 };

export function sendCommandResult(res: Response, [r, outb, outs]: CommandReturn): void {
  res.status(r === 0 ? 200 : (ERRNO_STATUS[-r] ?? 500)).json({ retval: r, outb, outs });
}

/** Splits a console line into words, honouring '...' and "..." quotes. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
  return out;
}

const MODULE_RE = /^[a-z][a-z0-9_]{0,63}$/;
const OPTION_RE = /^(?:mgr\/[a-z][a-z0-9_]*\/)?[A-Za-z0-9_]{1,128}$/;

export function apiRoutes(host: DashboardHost): Router {
  const r = Router();
  const run = (res: Response, cmd: CmdMap | readonly string[], inbuf = ''): Promise<CommandReturn> => host.runCommand(cmd, inbuf, authed(res).caller);
  const needWrite = (res: Response): boolean => {
    if (authed(res).write) return true;
    apiError(res, 403, `User '${authed(res).user.username}' is read-only`, 'read_only');
    return false;
  };

  r.get('/live', (req, res) => {
    const q = req.query.topics;
    const asked = (typeof q === 'string' ? q : 'overview').split(',');
    const topics = new Set(asked.filter((t): t is Topic => (TOPICS as readonly string[]).includes(t)));
    if (topics.size === 0) {
      apiError(res, 400, `topics: one or more of ${TOPICS.join(', ')}`);
      return;
    }
    if (!host.hub.subscribe(res, topics, host.nowMs(), host.liveIntervalMs())) {
      res.setHeader('retry-after', '10');
      apiError(res, 503, 'Too many live connections', 'live_full');
    }
  });

  r.get('/summary/:topic', (req, res) => {
    const t = req.params.topic as Topic;
    if (!TOPICS.includes(t)) {
      apiError(res, 404, `no view '${t}'`);
      return;
    }
    const data = host.hub.snapshot(t, host.nowMs(), host.liveIntervalMs());
    if (data === undefined) {
      apiError(res, 503, 'cluster state not available yet');
      return;
    }
    res.type('json').send(data);
  });

  r.get('/osd/:id', (req, res) => {
    const id = Number(req.params.id);
    const d = Number.isInteger(id) && id >= 0 ? osdDetail(host.reader, id) : undefined;
    if (!d) {
      apiError(res, 404, `no OSD '${req.params.id}'`);
      return;
    }
    res.json(d);
  });

  r.get('/modules', async (req, res) => {
    const [rv, outb, outs] = await run(res, { prefix: 'mgr module ls', format: 'json' });
    if (rv !== 0) {
      sendCommandResult(res, [rv, outb, outs]);
      return;
    }
    const ls = JSON.parse(outb) as { always_on_modules: string[]; enabled_modules: string[]; disabled_modules: Array<{ name: string; can_run: boolean; error_string: string }> };
    const services = host.reader.get('mgr_map').services;
    const avail = host.reader.get('mgr_map').available_modules ?? [];
    res.json(avail.map((m): ModuleRow => ({
      name: m.name, enabled: ls.enabled_modules.includes(m.name) || ls.always_on_modules.includes(m.name), alwaysOn: ls.always_on_modules.includes(m.name),
      canRun: m.can_run, error: m.error_string, uri: services[m.name] ?? '',
    })).sort((a, b) => a.name.localeCompare(b.name)));
  });

  r.post('/modules/:name/:action', async (req, res) => {
    const { name, action } = req.params;
    if (!MODULE_RE.test(name) || (action !== 'enable' && action !== 'disable')) {
      apiError(res, 400, 'expected /api/modules/<name>/enable|disable');
      return;
    }
    if (!needWrite(res)) return;
    sendCommandResult(res, await run(res, { prefix: `mgr module ${action}`, module: name }));
  });

  r.get('/config', async (req, res) => {
    const [rv, outb, outs] = await run(res, { prefix: 'config show', who: 'mgr', format: 'json' });
    if (rv !== 0) {
      sendCommandResult(res, [rv, outb, outs]);
      return;
    }
    const shown = JSON.parse(outb) as Record<string, { value: string; default: string; source: string }>;
    const specs = new Map<string, { type: string; min: string; max: string; enum_allowed: readonly string[]; desc: string }>();
    for (const m of host.reader.get('mgr_map').available_modules ?? []) {
      for (const o of Object.values(m.module_options)) specs.set(`mgr/${m.name}/${o.name}`, o);
    }
    res.json(Object.entries(shown).map(([name, v]): ConfigRow => {
      const s = specs.get(name);
      return {
        name, value: v.value, default: v.default, source: v.source,
        type: s?.type ?? guessType(v.default), min: s?.min ?? '', max: s?.max ?? '', enum: [...(s?.enum_allowed ?? [])], desc: s?.desc ?? '',
      };
    }));
  });

  r.put('/config/*name', async (req, res) => {
    const name = ([] as string[]).concat(req.params.name).join('/');
    const value = (req.body as { value?: unknown } | undefined)?.value;
    if (!OPTION_RE.test(name) || (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')) {
      apiError(res, 400, 'expected PUT /api/config/<option> with {"value": ...}');
      return;
    }
    if (!needWrite(res)) return;
    sendCommandResult(res, await run(res, { prefix: 'config set', who: 'mgr', name, value: String(value) }));
  });

  r.delete('/config/*name', async (req, res) => {
    const name = ([] as string[]).concat(req.params.name).join('/');
    if (!OPTION_RE.test(name)) {
      apiError(res, 400, 'expected DELETE /api/config/<option>');
      return;
    }
    if (!needWrite(res)) return;
    sendCommandResult(res, await run(res, { prefix: 'config rm', who: 'mgr', name }));
  });

  // The console: any command, with the user's rights (the dispatcher refuses writes to a read-only user).
  r.post('/command', async (req, res) => {
    const body = (req.body ?? {}) as { line?: unknown; inbuf?: unknown };
    if (typeof body.line !== 'string' || body.line.trim() === '' || body.line.length > 4096) {
      apiError(res, 400, 'expected {"line": "<command words>"}');
      return;
    }
    const words = splitWords(body.line);
    if (words[0] === 'tell' && words[1] === 'mgr') words.splice(0, 2);
    else if (words[0] === 'ceph' || words[0] === 'mgrd') words.splice(0, words[1] === 'tell' && words[2] === 'mgr' ? 3 : 1);
    sendCommandResult(res, await run(res, words, typeof body.inbuf === 'string' ? body.inbuf : ''));
  });

  r.get('/command/descriptions', async (req, res) => {
    const [rv, outb, outs] = await run(res, { prefix: 'get_command_descriptions' });
    if (rv !== 0) {
      sendCommandResult(res, [rv, outb, outs]);
      return;
    }
    const descs = JSON.parse(outb) as Record<string, { sig: Array<string | { name: string; type: string; req?: boolean | string }>; help: string; perm: string }>;
    res.json(Object.values(descs).map((d) => ({
      sig: d.sig.map((w) => (typeof w === 'string' ? w : `<${w.name}:${w.type.replace(/^Ceph/, '').toLowerCase()}>${w.req === false || w.req === 'false' ? '?' : ''}`)).join(' '),
      help: d.help,
      perm: d.perm,
    })));
  });

  return r;
}

function guessType(def: string): string {
  if (def === 'true' || def === 'false') return 'bool';
  if (def !== '' && Number.isFinite(Number(def))) return Number.isInteger(Number(def)) ? 'int' : 'float';
  return 'str';
}
