// The endpoints of Ceph's restful API (src/pybind/mgr/restful/api/*.py): one
// table of paths and methods, with the docstrings /doc shows. app.ts mounts it;
// /doc is built from it, so the two cannot drift.

import { RE2JS } from 're2js';
import type { CmdMap, CommandCaller, CommandReturn } from '../../src/mgr-module/index.js';
import { badRequest, intParam, notFound } from './http-errors.js';
import type { KeyUser } from './keys.js';
import type { CommandsRequest, RequestList } from './requests.js';
import * as views from './views.js';
import {
  BadRequest, objectBody, osdCommand, osdFlagCommands, osdPatchCommands, poolCreateCommands, poolDeleteCommands,
  poolUpdateCommands, requestCommands, type Waves,
} from './writes.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What a handler gets: path parameters, the query, the parsed body and who asks. */
export interface Call {
  params: Record<string, string | undefined>;
  query: Record<string, unknown>;
  body: unknown;
  user: KeyUser;
}

/** What handlers need from the module. */
export interface ApiHost {
  reader: views.ClusterReader;
  requests: RequestList;
  runCommand(cmd: CmdMap, caller: CommandCaller): Promise<CommandReturn>;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface Endpoint {
  /** Ceph's docstring of the method, shown by /doc. */
  doc: readonly string[];
  /** Anyone may call it (Ceph's '/' and '/doc'); everything else needs a key. */
  public?: boolean;
  /** Changes the cluster or the module's state: refused to read-only keys. */
  write?: boolean;
  /** Reads a JSON body. */
  body?: boolean;
  run(host: ApiHost, call: Call): unknown;
}

export interface RouteDef {
  /** Ceph's /doc spelling: '<arg>' for a path parameter. */
  path: string;
  methods: Partial<Record<Method, Endpoint>>;
}

const ROOT_INFO = {
  api_version: 1,
  auth: 'Use "ceph restful create-key <key>" to create a key pair, pass it as HTTP Basic auth to authenticate',
  doc: 'See /doc endpoint',
  info: 'Ceph Manager RESTful API server',
};

function callerOf(user: KeyUser): CommandCaller {
  return { entity: `restful.${user.name}`, read: true, write: user.caps === 'rw' };
}

/** Starts a request; with ?wait=1 answers once it has finished. */
async function submit(host: ApiHost, call: Call, waves: Waves): Promise<CommandsRequest> {
  const caller = callerOf(call.user);
  const req = host.requests.submit(waves, (cmd) => host.runCommand(cmd, caller));
  const wait = call.query.wait;
  if (wait !== undefined && wait !== '0' && wait !== 'false' && wait !== '') await req.done;
  return req;
}

/** Runs a builder of waves, turning its refusals into HTTP errors. */
function build<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof BadRequest) throw badRequest(err.message);
    throw err;
  }
}

function osdOf(host: ApiHost, raw: string | undefined): { id: number; up: boolean } {
  const id = intParam(raw, 'OSD id');
  const osd = host.reader.get('osd_map').osds.find((o) => o.osd === id);
  if (osd === undefined) throw notFound(`Failed to identify the OSD id "${id}"`);
  return { id, up: osd.up !== 0 };
}

function poolOf(host: ApiHost, raw: string | undefined): { id: number; name: string } {
  const id = intParam(raw, 'pool id');
  const pool = host.reader.get('osd_map').pools.find((p) => p.pool === id);
  if (pool === undefined) throw notFound(`Failed to identify the pool id "${id}"`);
  return { id, name: pool.pool_name };
}

/** ?page=N on a list: 100 per page, 0 the first, -1 the last (Ceph's paginate). */
function paginate<T>(list: readonly T[], page: unknown): readonly T[] {
  if (page === undefined) return list;
  if (typeof page !== 'string' || !/^-?\d{1,9}$/.test(page)) throw badRequest('The requested page is not an integer');
  let p = Number(page) + 1;
  p = p > 0 ? p * 100 : list.length - p * 100;
  return list.slice(Math.max(0, p - 100), Math.max(0, p));
}

/** Longest `daemon` regex /perf takes. */
export const MAX_DAEMON_REGEX = 256;

/**
 * `?daemon=<regex>` as a test of a daemon name, matched at its start as
 * Python's re.match. The regex comes from a client: it runs on RE2 (re2js),
 * whose time is linear in the name, so no pattern can make the manager
 * backtrack for seconds (JavaScript's RegExp can: `(a|a)*b`). RE2 has no
 * backreferences or lookaround; such a pattern is a 400.
 */
function daemonRegex(q: unknown): ((name: string) => boolean) | undefined {
  if (q === undefined) return undefined;
  if (typeof q !== 'string' || q.length > MAX_DAEMON_REGEX) throw badRequest(`daemon: a regular expression of at most ${MAX_DAEMON_REGEX} characters is expected`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(q);
  } catch (err) {
    throw badRequest(`daemon: invalid regular expression (RE2 syntax): ${(err as Error).message}`);
  }
  return (name) => re.matcher(name).lookingAt();
}

export const ROUTES: readonly RouteDef[] = [
  { path: '/', methods: { GET: { public: true, doc: ['Show the basic information for the REST API', 'This includes values like api version or auth method'], run: () => ROOT_INFO } } },
  { path: '/doc', methods: { GET: { public: true, doc: ['Show documentation information'], run: () => docApi() } } },
  { path: '/config/cluster', methods: { GET: { doc: ['Show all cluster configuration options'], run: (h) => ({ ...h.reader.get('config') }) } } },
  {
    path: '/config/cluster/<arg>',
    methods: {
      GET: {
        doc: ['Show specific configuration option'],
        run: (h, c) => {
          const config = h.reader.get('config');
          const key = c.params.arg!;
          if (!Object.hasOwn(config, key)) throw notFound(`Unknown configuration option "${key}"`);
          return config[key];
        },
      },
    },
  },
  {
    path: '/config/osd',
    methods: {
      GET: { doc: ['Show OSD configuration options'], run: (h) => views.osdFlags(h.reader) },
      PATCH: {
        doc: ['Modify OSD configration options'], write: true, body: true,
        run: (h, c) => {
          const { waves, ignored } = build(() => osdFlagCommands(objectBody(c.body)));
          if (ignored.length > 0) h.warn(`${JSON.stringify(ignored)} not valid to set/unset`);
          return submit(h, c, waves);
        },
      },
    },
  },
  { path: '/crush/rule', methods: { GET: { doc: ['Show crush rules'], run: (h) => views.crushRules(h.reader) } } },
  { path: '/mon', methods: { GET: { doc: ['Show the information for all the monitors'], run: (h) => views.mons(h.reader) } } },
  {
    path: '/mon/<arg>',
    methods: {
      GET: {
        doc: ['Show the information for the monitor name'],
        run: (h, c) => {
          const mon = views.mons(h.reader).find((m) => m.name === c.params.arg);
          if (mon === undefined) throw notFound(`Failed to identify the monitor node "${c.params.arg}"`);
          return mon;
        },
      },
    },
  },
  {
    path: '/osd',
    methods: {
      GET: {
        doc: ['Show the information for all the OSDs'],
        run: (h, c) => views.osds(h.reader, { poolId: c.query.pool === undefined ? undefined : intParam(typeof c.query.pool === 'string' ? c.query.pool : '', 'pool id') }),
      },
    },
  },
  {
    path: '/osd/<arg>',
    methods: {
      GET: {
        doc: ['Show the information for the OSD id'],
        run: (h, c) => {
          const { id } = osdOf(h, c.params.arg);
          return views.osds(h.reader, { ids: [id] })[0];
        },
      },
      PATCH: {
        doc: ['Modify the state (up, in) of the OSD id or reweight it'], write: true, body: true,
        run: (h, c) => {
          const { id } = osdOf(h, c.params.arg);
          return submit(h, c, build(() => osdPatchCommands(id, objectBody(c.body))));
        },
      },
    },
  },
  {
    path: '/osd/<arg>/command',
    methods: {
      GET: {
        doc: ['Show implemented commands for the OSD id'],
        run: (h, c) => (osdOf(h, c.params.arg).up ? views.OSD_IMPLEMENTED_COMMANDS : []),
      },
      POST: {
        doc: ['Run the implemented command for the OSD id'], write: true, body: true,
        run: (h, c) => {
          const { id, up } = osdOf(h, c.params.arg);
          return submit(h, c, build(() => osdCommand(id, up, objectBody(c.body))));
        },
      },
    },
  },
  {
    path: '/perf',
    methods: {
      GET: {
        doc: ['List all the available performance counters', '', 'Options:', " - 'daemon' -- filter by daemon, accepts Python regexp"],
        run: (h, c) => views.perf(h.reader, daemonRegex(c.query.daemon)),
      },
    },
  },
  {
    path: '/pool',
    methods: {
      GET: { doc: ['Show the information for all the pools'], run: (h) => views.pools(h.reader) },
      POST: {
        doc: ['Create a new pool', 'Requires name and pg_num dict arguments'], write: true, body: true,
        run: (h, c) => submit(h, c, build(() => poolCreateCommands(objectBody(c.body)))),
      },
    },
  },
  {
    path: '/pool/<arg>',
    methods: {
      GET: {
        doc: ['Show the information for the pool id'],
        run: (h, c) => views.pool(h.reader, poolOf(h, c.params.arg).id),
      },
      PATCH: {
        doc: ['Modify the information for the pool id'], write: true, body: true,
        run: (h, c) => {
          const { name } = poolOf(h, c.params.arg);
          return submit(h, c, build(() => poolUpdateCommands(name, objectBody(c.body))));
        },
      },
      DELETE: {
        doc: ['Remove the pool data for the pool id'], write: true,
        run: (h, c) => submit(h, c, poolDeleteCommands(poolOf(h, c.params.arg).name)),
      },
    },
  },
  {
    path: '/request',
    methods: {
      GET: { doc: ['List all the available requests'], run: (h, c) => paginate(h.requests.all(), c.query.page) },
      // Each command is checked against the key's rights by the dispatcher: a read-only key may run read commands.
      POST: { doc: ['Pass through method to create any request'], body: true, run: (h, c) => submit(h, c, build(() => requestCommands(c.body))) },
      DELETE: { doc: ['Remove all the finished requests'], write: true, run: (h) => h.requests.removeFinished() },
    },
  },
  {
    path: '/request/<arg>',
    methods: {
      GET: {
        doc: ['Show the information for the request id'],
        run: (h, c) => h.requests.find(c.params.arg!) ?? throwNotFound(`Unknown request id "${c.params.arg}"`),
      },
      DELETE: {
        doc: ['Remove the request id from the database'], write: true,
        run: (h, c) => h.requests.remove(c.params.arg!) ?? throwNotFound('No such request id'),
      },
    },
  },
  { path: '/server', methods: { GET: { doc: ['Show the information for all the servers'], run: (h) => h.reader.listServers() } } },
  {
    path: '/server/<arg>',
    methods: {
      GET: {
        doc: ['Show the information for the server fqdn'],
        run: (h, c) => h.reader.getServer(c.params.arg!) ?? throwNotFound(`Unknown server "${c.params.arg}"`),
      },
    },
  },
];

function throwNotFound(message: string): never {
  throw notFound(message);
}

/** GET /doc: {path: {METHOD: docstring lines}}, as Ceph's get_doc_api. */
export function docApi(): Record<string, Record<string, readonly string[]>> {
  const out: Record<string, Record<string, readonly string[]>> = {};
  for (const r of ROUTES) {
    out[r.path] = Object.fromEntries(Object.entries(r.methods).map(([m, e]) => [m, e.doc]));
  }
  return out;
}
