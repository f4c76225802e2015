/**
 * server/bridge — the WebSocket hub (fan-out, batching, backpressure, auth) and the HTTP routes
 * that put the connection manager on a page. See bridge.ts for the options.
 */
export { startBridge, type Bridge, type BridgeOptions, type BridgeSettings, type EventFeed } from './bridge.ts';
export type { RecordingTap } from './recorder.ts';
export type { HubCounters } from './metrics.ts';
export type { StructuredLogger } from './access-log.ts';
