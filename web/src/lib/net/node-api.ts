/**
 * The HTTP paths of the page's server, for the node it shows. A live or replay server answers
 * `/api/snapshot` and `/api/recording` for its one manager; a fleet dashboard holds many nodes, so
 * the node view asks for its node (docs/fleet.md, "Per-node HTTP"): the snapshot with `?node=`,
 * and the recording as the node's current run read back from the stream. Pure.
 */

/** The path to GET `path` from (`/api/snapshot`, `/api/recording`) on this page's server. */
export function nodeApiPath(path: string, node: string | null | undefined): string {
  if (!node) return path;
  const q = `node=${encodeURIComponent(node)}`;
  if (path === '/api/recording') return `/api/node-recording?${q}`;
  return `${path}${path.includes('?') ? '&' : '?'}${q}`;
}
