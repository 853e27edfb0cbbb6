import { readFileSync } from 'node:fs';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { testAlertmanagerConfig } from './alertmanager-config.js';
import {
  ALERTMANAGER_CONFIG,
  RULES_FILE,
  startAlertmanager,
  startPrometheus,
  startWebhook,
  type RunningAlertmanager,
  type RunningPrometheus,
  type Webhook,
} from './stack.js';

/**
 * portwatch on a config file, scraped by Debian's prometheus with the shipped rules, which
 * alerts Debian's alertmanager running the shipped config with its receivers pointed at a
 * webhook the test serves: what a user deploys, all on loopback.
 */
export interface NotificationStack {
  readonly webhook: Webhook;
  readonly alertmanager: RunningAlertmanager;
  readonly daemon: RunningDaemon;
  readonly prometheus: RunningPrometheus;
  /** Stops whatever started, last started first. */
  stop(): Promise<void>;
}

export async function startNotificationStack(configFile: string): Promise<NotificationStack> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const webhook = await startWebhook();
    stops.push(() => webhook.close());
    const alertmanager = await startAlertmanager(
      testAlertmanagerConfig(readFileSync(ALERTMANAGER_CONFIG, 'utf8'), webhook.port),
    );
    stops.push(() => alertmanager.stop());
    const daemon = await startDaemon([`--config.file=${configFile}`]);
    stops.push(() => daemon.stop());
    const prometheus = await startPrometheus({
      portwatch: `127.0.0.1:${daemon.port}`,
      ruleFiles: [RULES_FILE],
      alertmanager: alertmanager.address,
    });
    stops.push(() => prometheus.stop());
    return { webhook, alertmanager, daemon, prometheus, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
