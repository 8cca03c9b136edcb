import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';

describe('configuration', () => {
  it('has a default for everything', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.WS_ENGINE).toBe('uws');
    expect(config.MAX_CONNECTIONS).toBeLessThan(20_000);
  });

  it('parses values from the environment', () => {
    const config = loadConfig({ PORT: '9000', ALLOWED_ORIGINS: 'https://a.example, https://b.example', REQUIRE_NATIVE_UWS: 'true' });
    expect(config.PORT).toBe(9000);
    expect(config.ALLOWED_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.REQUIRE_NATIVE_UWS).toBe(true);
  });

  it('stops with a message naming every bad variable', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', MAX_CONNECTIONS: '25000', TOKEN_SECRET: 'short' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('MAX_CONNECTIONS');
      expect(message).toContain('TOKEN_SECRET must be at least 32 characters');
    }
  });

  it('takes Redis Cluster seeds as host:port, and names a malformed one', () => {
    expect(loadConfig({}).REDIS_CLUSTER_NODES).toEqual([]);
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.5:6379, redis-1.internal:7000,[::1]:7001' }).REDIS_CLUSTER_NODES).toEqual(['10.0.0.5:6379', 'redis-1.internal:7000', '[::1]:7001']);
    for (const bad of ['10.0.0.5', 'redis://10.0.0.5:6379', 'host:0', 'host:70000']) {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: `127.0.0.1:7000,${bad}` })).toThrow(`REDIS_CLUSTER_NODES: "${bad}" is not host:port`);
    }
  });

  it('refuses the development token secret in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/TOKEN_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', TOKEN_SECRET: 'x'.repeat(40) }).NODE_ENV).toBe('production');
  });
});
