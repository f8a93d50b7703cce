import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { AppError } from '../errors.js';
import type { Caller } from '../graphql/context.js';
import { BUILTIN_ROLES, type Permission, type RoleTable, rolesPermit } from './permissions.js';

/** What the permission check reads: the role table and the roles of a token that names none. */
export interface AccessControl {
  readonly roles: RoleTable;
  readonly defaultRoles: readonly string[];
  /** The token claim roles are read from (`roles` unless the operator names another). */
  readonly claim: string;
}

/** Denied: names the permission the operation needed and the roles the caller had. */
export class PermissionDeniedError extends AppError {
  constructor(
    readonly permission: string,
    roles: readonly string[],
    operation?: string,
  ) {
    super(
      'FORBIDDEN',
      `${operation ? `${operation}: ` : ''}permission ${permission} required (roles: ${roles.join(', ') || 'none'})`,
      { permission, roles: [...roles], ...(operation && { operation }) },
    );
  }
}

const RoleNameSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);
const PermissionEntrySchema = z.string().regex(/^(\*|[a-z]+:(\*|[a-z]+))$/);
const RoleTableSchema = z.record(RoleNameSchema, z.array(PermissionEntrySchema));

/** Comma- or space-separated role names. */
export const parseRoleList = (value: string) =>
  value
    .split(/[\s,]+/)
    .map((role) => role.trim())
    .filter(Boolean);

/**
 * The operator's role table over the built-ins: ACE_ROLES is inline JSON or a
 * path to a JSON file, `{role: [permission, ...]}`; a built-in name replaces it.
 */
export function accessControlFromConfig(config: {
  ACE_ROLES?: string | undefined;
  ACE_ROLES_CLAIM: string;
  ACE_DEFAULT_ROLES: string;
}): AccessControl {
  let custom: RoleTable = {};
  const setting = config.ACE_ROLES?.trim();
  if (setting) {
    const text = setting.startsWith('{') ? setting : readFileSync(setting, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`ACE_ROLES is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = RoleTableSchema.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`ACE_ROLES is invalid: ${detail}`);
    }
    custom = parsed.data;
  }
  return Object.freeze({
    roles: Object.freeze({ ...BUILTIN_ROLES, ...custom }),
    defaultRoles: Object.freeze(parseRoleList(config.ACE_DEFAULT_ROLES)),
    claim: config.ACE_ROLES_CLAIM,
  });
}

/** The caller's roles: the token's, or the configured default where the token carried none. */
export function effectiveRoles(caller: Caller, access: AccessControl): readonly string[] {
  return caller.roles ?? access.defaultRoles;
}

export function hasPermission(access: AccessControl, caller: Caller, permission: Permission | string) {
  return rolesPermit(access.roles, effectiveRoles(caller, access), permission);
}

export function requirePermission(
  access: AccessControl | undefined,
  caller: Caller,
  permission: Permission | string,
  operation?: string,
): void {
  // No access control wired in means no one is allowed anything: fail closed.
  if (!access) throw new PermissionDeniedError(permission, [], operation);
  if (!hasPermission(access, caller, permission))
    throw new PermissionDeniedError(permission, effectiveRoles(caller, access), operation);
}

/** Roles from a verified token's claim: an array of names or one comma/space-separated string. */
export function rolesFromClaims(claims: Record<string, unknown>, claim: string): string[] | undefined {
  const value = claims[claim];
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string' && r.length > 0);
  if (typeof value === 'string') return parseRoleList(value);
  return undefined;
}
