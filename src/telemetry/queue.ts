import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { withCorrelation } from './correlation.js';
import { extractTraceContext, injectTraceContext, inSpan, SpanKind, tracingEnabled } from './tracing.js';

/**
 * Trace context across the work queue: a sent message carries the sender's
 * W3C `traceparent` (and `tracestate`) as SQS message attributes, and the
 * consumer continues that trace, so one session started by one GraphQL
 * operation is one trace however many queue hops it takes.
 */
export function traceMessageAttributes(): Record<string, MessageAttributeValue> | undefined {
  if (!tracingEnabled()) return undefined;
  const headers = injectTraceContext();
  const entries = Object.entries(headers);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([key, value]) => [key, { DataType: 'String', StringValue: value }]));
}

function carrierOf(record: SQSRecord): Record<string, string | undefined> {
  const attributes = record.messageAttributes ?? {};
  return {
    traceparent: attributes.traceparent?.stringValue,
    tracestate: attributes.tracestate?.stringValue,
  };
}

interface MessageIds {
  readonly type: string;
  readonly session_uuid?: string;
  readonly session_agent_uuid?: string;
  readonly coordination_uuid?: string;
}

/**
 * Runs one queue message's handler with its correlation ids on every log
 * line and, when tracing is on, inside a `process {type}` consumer span whose
 * parent is the sender's context.
 */
export function consumeMessage<T>(record: SQSRecord, message: MessageIds, fn: () => Promise<T>): Promise<T> {
  const ids = {
    message_id: record.messageId,
    ...(message.session_uuid && { session_uuid: message.session_uuid }),
    ...(message.session_agent_uuid && { session_agent_uuid: message.session_agent_uuid }),
    ...(message.coordination_uuid && { coordination_uuid: message.coordination_uuid }),
  };
  return withCorrelation(ids, () =>
    inSpan(
      `process ${message.type}`,
      {
        kind: SpanKind.CONSUMER,
        parent: extractTraceContext(carrierOf(record)),
        attributes: {
          'messaging.system': 'aws_sqs',
          'messaging.operation.type': 'process',
          'messaging.message.id': record.messageId,
          'ace.message.type': message.type,
          ...(message.session_uuid && { 'ace.session_uuid': message.session_uuid }),
          ...(message.session_agent_uuid && { 'ace.session_agent_uuid': message.session_agent_uuid }),
        },
      },
      fn,
    ),
  );
}
