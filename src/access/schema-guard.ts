import { defaultFieldResolver, type GraphQLField, type GraphQLSchema } from 'graphql';
import { auditedResolver } from '../audit/audited-resolver.js';
import type { AuditTrail } from '../audit/trail.js';
import type { GraphQLContext } from '../graphql/context.js';
import { type AccessControl, requirePermission } from './access-control.js';
import { ROOT_FIELD_PERMISSIONS } from './permissions.js';

declare module '../graphql/context.js' {
  interface Services {
    /** The role table and default roles; absent, every root field is refused (fail closed). */
    access?: AccessControl;
  }
}

/** The wired access control and audit trail; throws where either is missing (the composition root sets both). */
export function governed(services: { access?: AccessControl; audit?: AuditTrail }) {
  if (!services.access || !services.audit)
    throw new Error('access control and audit trail are not configured');
  return { access: services.access, audit: services.audit };
}

export const rootFieldsOfSchema = (schema: GraphQLSchema) =>
  [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
    type ? Object.values(type.getFields()) : [],
  );

/** The permission a root field needs; a field without one is a programming error. */
export function permissionOf(fieldName: string): string {
  const permission = ROOT_FIELD_PERMISSIONS[fieldName];
  if (!permission)
    throw new Error(`root field ${fieldName} declares no permission (src/access/permissions.ts)`);
  return permission;
}

/** Refuses the caller unless every named root field is permitted (introspection fields are free). */
export function authorizeRootFields(context: GraphQLContext, fieldNames: readonly string[]): void {
  for (const name of fieldNames) {
    if (name.startsWith('__')) continue;
    requirePermission(context.services.access, context.caller, permissionOf(name), name);
  }
}

/**
 * Wraps every root field's resolver (and subscription source) with its
 * permission check. The schema is executed by yoga on HTTP, by the WebSocket
 * protocol, by the queue's graphql_operation consumer and by subscription
 * delivery: all of them pass through here. Writes are audited inside the
 * check (a denied call records nothing). Building the schema throws when a
 * root field has no declared permission or a mutation no audit entry.
 */
export function guardRootFields(schema: GraphQLSchema): GraphQLSchema {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const;
  for (const [kind, type] of roots) {
    for (const field of Object.values(type?.getFields() ?? {}) as GraphQLField<unknown, GraphQLContext>[]) {
      permissionOf(field.name);
      const base = field.resolve ?? defaultFieldResolver;
      // Subscription events are not writes; every other root field may be (src/audit/).
      const resolve = kind === 'subscription' ? base : auditedResolver(field.name, kind, base);
      field.resolve = (source, args, context, info) => {
        authorizeRootFields(context, [field.name]);
        return resolve(source, args, context, info);
      };
      const subscribe = field.subscribe;
      if (subscribe) {
        field.subscribe = (source, args, context, info) => {
          authorizeRootFields(context, [field.name]);
          return subscribe(source, args, context, info);
        };
      }
    }
  }
  return schema;
}
