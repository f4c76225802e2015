/**
 * Build step: writes the wire protocol as JSON Schema (draft-07), generated from the valibot
 * schemas that the server and the page use — so a third-party client can validate what it gets
 * without reading TypeScript. Output: `dist/web/protocol.schema.json`, which the dashboard serves
 * at `/protocol.schema.json` and the package exports as `connscope/protocol.schema.json`.
 *
 * The document's root validates one server → client message; `$defs` also hold the client
 * → server message, the body of `GET /api/snapshot`, and the fleet's wire (docs/fleet.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toJsonSchema, type ConversionConfig } from '@valibot/to-json-schema';
import {
  ApiNodeRunsSchema,
  ApiNodesSchema,
  ApiSnapshotSchema,
  ClientMessageSchema,
  FleetMessageSchema,
  NodeKeyframeSchema,
  NodeSnapshotSchema,
  NodeStatusSchema,
  ConnInfoSchema,
  LabStateSchema,
  PROTOCOL_VERSION,
  ServerMessageSchema,
  SnapshotSchema,
  WireEventSchema,
} from '../server/protocol/index.ts';

export const SCHEMA_FILE = 'protocol.schema.json';

/** Shared parts, written once under `$defs` and referenced from every message that has them. */
const SHARED = { ConnInfo: ConnInfoSchema, Snapshot: SnapshotSchema, WireEvent: WireEventSchema, LabState: LabStateSchema };

const config: ConversionConfig = {
  target: 'draft-07',
  definitions: SHARED,
  errorMode: 'throw',
  // JSON cannot carry NaN or Infinity, so `finite` holds for every number a message can contain.
  ignoreActions: ['finite'],
  overrideSchema(context) {
    // `v.record(v.picklist([...]), value)`: an object whose keys are the picklist's options.
    const s = context.valibotSchema as {
      type: string;
      key?: { type: string; options?: readonly string[] };
      value?: unknown;
      items?: readonly unknown[];
    };
    // A tuple (a seq range `[from, to]`) has exactly its items: Ajv's strict mode wants that said.
    if (s.type === 'tuple' && s.items) {
      const items = s.items.map((item) => strip(toJsonSchema(item as Parameters<typeof toJsonSchema>[0], { ...config, definitions: {} })));
      return { type: 'array', items, minItems: items.length, maxItems: items.length };
    }
    if (s.type === 'record' && s.key?.type === 'picklist' && s.key.options) {
      return {
        type: 'object',
        propertyNames: { enum: [...s.key.options] },
        additionalProperties: strip(toJsonSchema(s.value as Parameters<typeof toJsonSchema>[0], { ...config, definitions: {} })),
      };
    }
    return undefined;
  },
};

type Json = Record<string, unknown>;

/** One converted schema without its own `$schema` and `$defs` (the document holds those). */
function strip(schema: object): Json {
  const { $schema: _s, $defs: _d, ...rest } = schema as Json;
  return rest;
}

/** The whole document (pure; the build writes it). */
export function protocolJsonSchema(): Json {
  const shared = (toJsonSchema(ServerMessageSchema, config) as Json).$defs as Json;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://connscope.invalid/protocol/v${PROTOCOL_VERSION}.schema.json`,
    title: `connscope wire protocol v${PROTOCOL_VERSION}: a message from the server`,
    description:
      'Root: one server → client WebSocket message (hello, events, stats, reply). $defs.ClientMessage: one client → server command. $defs.ApiSnapshot: the body of GET /api/snapshot. The fleet (docs/fleet.md): $defs.FleetMessage (/ws of the fleet dashboard), $defs.ApiNodes, $defs.ApiNodeRuns, and what a node writes to NATS — $defs.NodeStatus, $defs.NodeSnapshot, $defs.NodeKeyframe. Generated from the valibot schemas; see the README, "Wire protocol".',
    allOf: [{ $ref: '#/$defs/ServerMessage' }],
    $defs: {
      ...shared,
      ServerMessage: strip(toJsonSchema(ServerMessageSchema, config)),
      ClientMessage: strip(toJsonSchema(ClientMessageSchema, config)),
      ApiSnapshot: strip(toJsonSchema(ApiSnapshotSchema, config)),
      FleetMessage: strip(toJsonSchema(FleetMessageSchema, config)),
      ApiNodes: strip(toJsonSchema(ApiNodesSchema, config)),
      ApiNodeRuns: strip(toJsonSchema(ApiNodeRunsSchema, config)),
      NodeStatus: strip(toJsonSchema(NodeStatusSchema, config)),
      NodeSnapshot: strip(toJsonSchema(NodeSnapshotSchema, config)),
      NodeKeyframe: strip(toJsonSchema(NodeKeyframeSchema, config)),
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = join(process.argv[2] ?? 'dist/web', SCHEMA_FILE);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(protocolJsonSchema(), null, 2)}\n`);
}
