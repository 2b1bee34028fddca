import { hostname } from 'node:os';

/** `'<hostname>:<pid>'`: who this process is in a cluster, unless told otherwise. */
export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}`;
}
