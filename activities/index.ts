import { createCircuitActivities } from './circuit';
import { createDeliveryActivities } from './deliver';
import type { ActivityDeps } from './deps';
import { createHoldActivities } from './hold';
import { createPrepareActivities } from './prepare';
import { createPrivacyActivities } from './privacy';
import { createWebhookActivities } from './webhooks';

export type { ActivityDeps } from './deps';

/** Activities are plain functions over injected dependencies, so tests and entry points wire them the same way. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPrepareActivities(deps),
    ...createDeliveryActivities(deps),
    ...createHoldActivities(deps),
    ...createCircuitActivities(deps),
    ...createWebhookActivities(deps),
    ...createPrivacyActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
