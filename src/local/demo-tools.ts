import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Agent } from '../domain/coordination/model.js';

/**
 * The demo's http tools, served by the local stack itself (POST JSON in, JSON
 * out) so `npm start` shows agents that act without reaching the internet:
 * an order lookup and a refund (the one that needs a person's approval).
 */
export const DEMO_TOOLS_PATH = '/demo-tools/';

export const ORDER_DESK = {
  coordinationUuid: '20000000000000000002',
  taskUuid: '20000000000000000020',
  agents: { lookup: '20000000000000000210', refund: '20000000000000000211' },
} as const;

export async function handleDemoTool(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  let args: Record<string, unknown> = {};
  try {
    args = chunks.length
      ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
      : {};
  } catch {
    response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"body is not JSON"}');
    return;
  }
  const name = (request.url ?? '').slice(DEMO_TOOLS_PATH.length).split('?')[0];
  const orderId = String(args.order_id ?? 'unknown');
  const answers: Record<string, unknown> = {
    'order-status': { order_id: orderId, status: 'delivered damaged', carrier: 'Parcel Co', paid: 49.9 },
    refund: {
      refund_id: `RF-${orderId}`,
      order_id: orderId,
      amount: Number(args.amount ?? 0),
      status: 'issued',
    },
  };
  const answer = name ? answers[name] : undefined;
  if (!answer) {
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such demo tool"}');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
}

const orderParameters = {
  type: 'object',
  properties: { order_id: { type: 'string', description: 'e.g. A-1001' } },
  required: ['order_id'],
  additionalProperties: false,
};

/** The "Order desk" agents: a lookup with a builtin and an http tool, then a refund that needs approval. */
export function orderDeskAgents(origin: string): Agent[] {
  return [
    {
      agent_uuid: ORDER_DESK.agents.lookup,
      agent_name: 'Order lookup',
      agent_description: 'Looks up an order and the time of the check.',
      agent_type: 'task',
      runtime: 'scripted',
      tools: [
        { type: 'builtin', name: 'current_time' },
        {
          type: 'http',
          name: 'order_status',
          description: 'The status of an order.',
          url: `${origin}${DEMO_TOOLS_PATH}order-status`,
          parameters: orderParameters,
        },
      ],
      script: {
        tool_calls: [
          { name: 'order_status', arguments: { order_id: 'A-1001' } },
          { name: 'current_time', arguments: {} },
        ],
        answer: 'Order A-1001: {tool:order_status} (checked at {tool:current_time})',
      },
    },
    {
      agent_uuid: ORDER_DESK.agents.refund,
      agent_name: 'Refund',
      agent_description: 'Refunds a damaged order, after a person approves.',
      agent_type: 'task',
      runtime: 'scripted',
      tools: [
        {
          type: 'http',
          name: 'issue_refund',
          description: 'Refunds an order.',
          url: `${origin}${DEMO_TOOLS_PATH}refund`,
          needs_approval: true,
          parameters: {
            type: 'object',
            properties: { order_id: { type: 'string' }, amount: { type: 'number', minimum: 0 } },
            required: ['order_id', 'amount'],
            additionalProperties: false,
          },
        },
      ],
      script: {
        tool_calls: [{ name: 'issue_refund', arguments: { order_id: 'A-1001', amount: 49.9 } }],
        answer: 'Refund: {tool:issue_refund}',
      },
    },
  ];
}
