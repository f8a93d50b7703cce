import type { EventPublisher } from '../events/publisher.js';
import type { AgentRuntime, RuntimeResolver } from '../runtimes/port.js';
import { chatSpan, type UsageLike } from './genai.js';
import { MetricName, type Metrics } from './metrics.js';

/**
 * Decorators that add traces and metrics around the engine's ports, so the
 * hubs and the runtimes stay as they are: wired once in src/wiring.ts.
 */

const SESSION_METRICS: Record<string, MetricName> = {
  dispatched: MetricName.SessionsStarted,
  completed: MetricName.SessionsCompleted,
  failed: MetricName.SessionsFailed,
  timeout: MetricName.SessionsFailed,
  budget_exceeded: MetricName.SessionsFailed,
  cancelled: MetricName.SessionsCancelled,
};

/**
 * Counts session starts and ends from the recorded `session_status` events:
 * each event is recorded exactly once, so duplicate queue deliveries never
 * count twice.
 */
export function countingPublisher(inner: EventPublisher, metrics: Metrics): EventPublisher {
  return {
    async publish(tenant, events) {
      for (const event of events) {
        if (event.type !== 'session_status') continue;
        const name = SESSION_METRICS[String(event.data.status)];
        if (name) metrics.add(name, 1, 'Count');
      }
      await inner.publish(tenant, events);
    },
  };
}

/** A result that may report usage (runtimes that know their token counts; issue 13 adds them). */
type RunResultWithUsage = Awaited<ReturnType<AgentRuntime['run']>> & {
  usage?: UsageLike & { cost_usd?: number; costUsd?: number };
};

/**
 * Each runtime call becomes a `chat {model}` span and an AgentDuration
 * sample (AgentErrors on failure), with token counts where the runtime
 * reports them.
 */
export function instrumentRuntimes(resolver: RuntimeResolver, metrics: Metrics): RuntimeResolver {
  const wrapped = new WeakMap<AgentRuntime, AgentRuntime>();
  const wrap = (runtime: AgentRuntime): AgentRuntime => ({
    kind: runtime.kind,
    async run(request) {
      const agent = request.agent as { agent_uuid: string; agent_name?: string; model?: unknown };
      const info = {
        agentName: agent.agent_name ?? agent.agent_uuid,
        agentUuid: agent.agent_uuid,
        runtime: runtime.kind,
        ...(typeof agent.model === 'string' && { model: agent.model }),
      };
      const dimensions = { runtime: runtime.kind };
      const started = performance.now();
      try {
        const result = await chatSpan(info, () => runtime.run(request) as Promise<RunResultWithUsage>);
        metrics.add(MetricName.AgentDuration, performance.now() - started, 'Milliseconds', dimensions);
        const usage = result.usage;
        const input = usage?.input_tokens ?? usage?.inputTokens;
        const output = usage?.output_tokens ?? usage?.outputTokens;
        const cost = usage?.cost_usd ?? usage?.costUsd;
        if (input !== undefined) metrics.add(MetricName.InputTokens, input, 'Count', dimensions);
        if (output !== undefined) metrics.add(MetricName.OutputTokens, output, 'Count', dimensions);
        if (cost !== undefined) metrics.add(MetricName.CostUsd, cost, 'None', dimensions);
        return result;
      } catch (error) {
        metrics.add(MetricName.AgentDuration, performance.now() - started, 'Milliseconds', dimensions);
        metrics.add(MetricName.AgentErrors, 1, 'Count', dimensions);
        throw error;
      }
    },
  });
  return {
    forAgent(agent) {
      const runtime = resolver.forAgent(agent);
      let traced = wrapped.get(runtime);
      if (!traced) {
        traced = wrap(runtime);
        wrapped.set(runtime, traced);
      }
      return traced;
    },
  };
}
