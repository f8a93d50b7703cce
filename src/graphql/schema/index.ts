// Imports every type file for its side effect on the builder; the schema is built on first use
// (toSchema is ~50 ms of a cold start that a queue message or a WebSocket ping does not need).
import { guardRootFields } from '../../access/schema-guard.js';
import { builder } from '../builder.js';
import './scalars.js';
import './ping.js';
import './coordination.js';
import './task.js';
import './task-schedule.js';
import './session.js';
import './session-agent.js';
import './session-run.js';
import './relations.js';
import './subscription.js';
import './session-events.js';
import './procedure.js';
import './procedure-steering.js';
import './plan-modification.js';
import './operation.js';
import './usage.js';
import './tool-calls.js';
import './escalation.js';
import './cache.js';
import './memory.js';
import './agent-traces.js';
import './audit.js';
import './feedback.js';
import './estimate.js';

import type { GraphQLSchema } from 'graphql';

let built: GraphQLSchema | undefined;

export function getSchema(): GraphQLSchema {
  // Every root field checks its declared permission, on every transport (src/access/).
  built ??= guardRootFields(builder.toSchema({ sortSchema: true }));
  return built;
}
