import type { Config } from '../config.js';
import type { AuditSettings } from './trail.js';

export function auditSettingsFromConfig(
  config: Pick<Config, 'ACE_AUDIT_RETENTION_DAYS' | 'ACE_AUDIT_REDACT_FIELDS' | 'ACE_AUDIT_READS'>,
): AuditSettings {
  return Object.freeze({
    retentionDays: config.ACE_AUDIT_RETENTION_DAYS,
    redactFields: config.ACE_AUDIT_REDACT_FIELDS.split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    auditReads: config.ACE_AUDIT_READS,
  });
}
