import type { Logger } from 'pino';
import type { Repositories } from '../domain/repositories.js';
import type { Tenant } from '../tenant.js';

/** The authenticated caller: tenant and user come from the token or stored connection only. */
export interface Caller {
  readonly tenant: Tenant;
  readonly userId: string;
  /** The token's roles; absent when it named none, then the configured default roles apply (src/access/). */
  readonly roles?: readonly string[];
}

/**
 * What every resolver gets, whichever transport called it. Built fresh per
 * operation (the DataLoader cache lives on this object through
 * Pothos' context cache), never shared across requests or tenants.
 */
interface BaseContext {
  readonly caller: Caller;
  readonly repos: Repositories;
  readonly logger: Logger;
  /** Hubs and services the schema calls; each transport wires the same ones. */
  readonly services: Services;
  /** Set to false only by the loader benchmark, to measure the same query without batching. */
  readonly loadersEnabled?: boolean;
}

// Filled in by the hubs as they land; a field that needs a service that is absent reports it.
// biome-ignore lint/suspicious/noEmptyInterface: extended by declaration merging in the hubs
export interface Services {}

export type GraphQLContext =
  | (BaseContext & { readonly transport: 'http' })
  | (BaseContext & {
      readonly transport: 'ws';
      readonly connectionId: string;
      readonly operationId: string;
      /** Pushes an intermediate `next` result for this operation (streamed answer chunks). */
      readonly emit?: (payload: Record<string, unknown>) => Promise<void>;
    })
  | (BaseContext & { readonly transport: 'sqs' });
