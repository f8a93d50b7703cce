import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server speaking the EventBridge Scheduler REST-JSON API for
 * schedules (POST/PUT/GET/DELETE /schedules/{Name}), enough for the real
 * SchedulerClient: it keeps schedules per group and records every call.
 */
export interface RecordedCall {
  readonly method: string;
  readonly name: string;
  readonly group: string;
  readonly body: Record<string, unknown>;
}

export interface StoredSchedule extends Record<string, unknown> {
  readonly Name: string;
  readonly GroupName: string;
}

export interface LocalSchedulerApi {
  readonly endpoint: string;
  readonly calls: RecordedCall[];
  readonly schedules: Map<string, StoredSchedule>;
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
};

const send = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(errorType && { 'x-amzn-errortype': errorType }),
  });
  res.end(JSON.stringify(errorType ? { Message: String(body) } : body));
};

export async function startLocalSchedulerApi(): Promise<LocalSchedulerApi> {
  const calls: RecordedCall[] = [];
  const schedules = new Map<string, StoredSchedule>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    if (!match) return send(res, 404, 'unknown path', 'ValidationException');
    const name = decodeURIComponent(match[1] ?? '');
    const body = await readBody(req);
    const group = String(body.GroupName ?? url.searchParams.get('groupName') ?? 'default');
    const method = req.method ?? 'GET';
    calls.push({ method, name, group, body });
    const key = `${group}/${name}`;
    const arn = `arn:aws:scheduler:us-east-1:123456789012:schedule/${group}/${name}`;
    switch (method) {
      case 'POST':
        if (schedules.has(key))
          return send(res, 409, `Schedule ${name} already exists.`, 'ConflictException');
        schedules.set(key, { ...body, Name: name, GroupName: group });
        return send(res, 200, { ScheduleArn: arn });
      case 'PUT':
        if (!schedules.has(key))
          return send(res, 404, `Schedule ${name} does not exist.`, 'ResourceNotFoundException');
        schedules.set(key, { ...body, Name: name, GroupName: group });
        return send(res, 200, { ScheduleArn: arn });
      case 'GET': {
        const stored = schedules.get(key);
        if (!stored) return send(res, 404, `Schedule ${name} does not exist.`, 'ResourceNotFoundException');
        return send(res, 200, { ...stored, Arn: arn });
      }
      case 'DELETE':
        if (!schedules.delete(key)) {
          return send(res, 404, `Schedule ${name} does not exist.`, 'ResourceNotFoundException');
        }
        return send(res, 200, {});
      default:
        return send(res, 405, 'method not allowed', 'ValidationException');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    schedules,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
