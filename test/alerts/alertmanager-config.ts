// The shipped Alertmanager config as the end-to-end tests run it (test/alerts/e2e*.test.ts).
import { parse, stringify } from 'yaml';

interface Route {
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: Route[];
  [key: string]: unknown;
}

interface AlertmanagerConfig {
  route: Route;
  receivers: { name: string; webhook_configs?: { url: string; [key: string]: unknown }[] }[];
  [key: string]: unknown;
}

/**
 * The shipped Alertmanager config as the test runs it. Only two kinds of change:
 * - every webhook URL points at the test's webhook, path = receiver name;
 * - the timing fields (group_wait, group_interval, repeat_interval) are shortened, since the
 *   production values (10 s to 5 min) would make the suite take many minutes. Routes,
 *   matchers, grouping, receivers and inhibit rules stay as shipped.
 */
export function testAlertmanagerConfig(shipped: string, webhookPort: number): string {
  const config = parse(shipped) as AlertmanagerConfig;
  for (const r of config.receivers) {
    for (const w of r.webhook_configs ?? []) w.url = `http://127.0.0.1:${webhookPort}/${r.name}`;
  }
  const shorten = (route: Route) => {
    if (route.group_wait !== undefined) route.group_wait = '1s';
    if (route.group_interval !== undefined) route.group_interval = '1s';
    if (route.repeat_interval !== undefined) route.repeat_interval = '1h';
    for (const child of route.routes ?? []) shorten(child);
  };
  shorten(config.route);
  return stringify(config);
}
