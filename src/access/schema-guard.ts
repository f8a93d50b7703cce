import { defaultFieldResolver, type GraphQLField, type GraphQLSchema } from 'graphql';
import type { GraphQLContext } from '../graphql/context.js';
import { type AccessControl, requirePermission } from './access-control.js';
import { ROOT_FIELD_PERMISSIONS } from './permissions.js';

declare module '../graphql/context.js' {
  interface Services {
    /** The role table and default roles; absent, every root field is refused (fail closed). */
    access?: AccessControl;
  }
}

/** The wired access control; throws where none is (a deployment without it would refuse everything). */
export function accessOf(services: { access?: AccessControl }): AccessControl {
  if (!services.access) throw new Error('access control is not configured');
  return services.access;
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
 * delivery: all of them pass through here. Building the schema throws when a
 * root field has no declared permission.
 */
export function guardRootFields(schema: GraphQLSchema): GraphQLSchema {
  for (const field of rootFieldsOfSchema(schema) as GraphQLField<unknown, GraphQLContext>[]) {
    permissionOf(field.name);
    const resolve = field.resolve ?? defaultFieldResolver;
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
  return schema;
}
