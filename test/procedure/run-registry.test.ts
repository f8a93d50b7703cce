import { describe, expect, it } from 'vitest';
import { sessionAgentKey } from '../../src/domain/session-agent/keys.js';
import { createRunRegistry } from '../../src/hubs/procedure/heartbeat.js';

describe('run registry', () => {
  const first = sessionAgentKey('s1', 'a1');
  const later = sessionAgentKey('s1', 'a2');

  it('a run that ends twice does not forget a later run of the same session', () => {
    const registry = createRunRegistry();
    const endFirst = registry.register(first, () => {});
    endFirst(); // the session's map is now empty and gone
    let stopped = 0;
    registry.register(later, () => stopped++);
    endFirst(); // the second end (the run's finally) must not drop the later run's map
    expect(registry.holds(later)).toBe(true);
    expect(registry.holds(first)).toBe(false);
    expect(registry.stop('s1')).toBe(1);
    expect(stopped).toBe(1);
  });

  it('holds a key while its claim is in flight, and forgets it once the claim is done', () => {
    const registry = createRunRegistry();
    const done = registry.claiming(first);
    expect(registry.holds(first)).toBe(true);
    done();
    done();
    expect(registry.holds(first)).toBe(false);
  });

  it('counts its runs and the places held for kept successors, each given back once', () => {
    const registry = createRunRegistry();
    const end = registry.register(first, () => {});
    const place = registry.reserve();
    const other = registry.reserve();
    expect(registry.size()).toBe(3);
    place();
    place(); // a second release changes nothing
    end();
    end();
    expect(registry.size()).toBe(1);
    other();
    expect(registry.size()).toBe(0);
  });
});
