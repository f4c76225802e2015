/**
 * `connscope/fleet` — a fleet on one page through NATS JetStream (README "Watching a fleet",
 * docs/fleet.md): `publishToNats(manager, { servers, node })` makes a node of your service, and
 * `startFleetServer({ servers, port })` serves the fleet dashboard. The wire's schemas are in
 * `connscope/protocol` (`NodeStatus`, `FleetMessage`, …).
 */
export {
  publishToNats,
  DEFAULT_BUFFER_EVENTS,
  type Publisher,
  type PublishOptions,
  type PublishSettings,
} from './publisher.ts';
export { startFleetServer, type FleetServer, type FleetServerOptions } from './fleet-server.ts';
export { DEFAULT_STREAM_MAX_AGE_MS, DEFAULT_STREAM_MAX_BYTES } from './jetstream-setup.ts';
