import type { Command } from './io.js';

/** Every command, loaded lazily: `flickr-killr app-server` must not pay for the benchmarker's imports. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  start: {
    summary: 'The main job: seed if needed, then run the whole ladder (npm start)',
    load: async () => (await import('./start.js')).command,
  },
  setup: {
    summary: 'Install the Debian packages the project needs (nginx, memcached, …), or say how',
    load: async () => (await import('./setup.js')).command,
  },
  seed: {
    summary: 'Create the demo database: 100,000 users, ~1,000,000 photos, thumbnails',
    load: async () => (await import('./seed.js')).command,
  },
  index: {
    summary: "drop|create|status of the photos.user_id index (the talk's missing-index demo)",
    load: async () => (await import('./index-cmd.js')).command,
  },
  serve: {
    summary: 'Run one stage of the ladder until Ctrl-C',
    load: async () => (await import('./serve.js')).command,
  },
  bench: {
    summary: 'Browser-like HTTP/1.1 load generator; `bench compare a.json b.json`',
    load: async () => (await import('./bench.js')).command,
  },
  ladder: {
    summary: 'Run every stage, benchmark each the same way, diagnose, write a report',
    load: async () => (await import('./ladder.js')).command,
  },
  'cgi-gateway': {
    summary: '(internal) built-in CGI host, one node per request (stage cgi)',
    load: async () => (await import('./cgi-gateway.js')).command,
  },
  'app-server': {
    summary: '(internal) one app process on a port, as stages start it',
    load: async () => (await import('./app-server.js')).command,
  },
  lab: {
    summary: 'Emulated hosts on this machine, reached over SSH: lab up|down|status|ssh HOST|exec HOST -- CMD',
    load: async () => (await import('./lab.js')).command,
  },
  deploy: {
    summary:
      'Build, release and swap app hosts of a fleet: deploy | rollback | status | build | release | hosts add|remove',
    load: async () => (await import('./deploy.js')).command,
  },
  capacity: {
    summary:
      '"Will it hold 10×?": sustainable rate per size, the size a target load needs, overload with/without --protect',
    load: async () => (await import('./capacity.js')).command,
  },
};
