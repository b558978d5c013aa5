import type { HOST_DIRS } from '../../lab/host-spec.js';

/**
 * Where the fleet keeps things on a host: only inside the host's own folders (HOST_DIRS — on a lab
 * host bind mounts of its private folders, on a real machine the same paths), never /etc or /run.
 * Configs, sockets and data under /var/lib/flickr-killr, logs under /var/log/flickr-killr, the
 * app's releases under /srv.
 */
export interface FleetPaths {
  lib: string;
  logDir: string;
  supervisorDir: string;
  supervisorConf: string;
  supervisorSocket: string;
  supervisorPid: string;
  supervisorLog: string;
  nginxDir: string;
  pgData: string;
  redisDir: string;
  /** The app hosts' static root (thumbnails and site files, copied from this machine). */
  staticRoot: string;
  /** Every release of the app, one folder per artifact id (deploy/artifact.ts). */
  releases: string;
}

export function fleetPaths(dirs: typeof HOST_DIRS): FleetPaths {
  const sv = `${dirs.lib}/supervisor`;
  return {
    lib: dirs.lib,
    logDir: dirs.log,
    supervisorDir: sv,
    supervisorConf: `${sv}/supervisord.conf`,
    supervisorSocket: `${sv}/supervisor.sock`,
    supervisorPid: `${sv}/supervisord.pid`,
    supervisorLog: `${dirs.log}/supervisord.log`,
    nginxDir: `${dirs.lib}/nginx`,
    pgData: `${dirs.lib}/pg`,
    redisDir: `${dirs.lib}/redis`,
    staticRoot: `${dirs.lib}/static`,
    releases: `${dirs.srv}/flickr-killr/releases`,
  };
}
