import type { PrivacyRequest } from '../workflows/contracts';
import type { ActivityDeps } from './deps';

export function createPrivacyActivities(deps: ActivityDeps) {
  const store = deps.identityStore;
  return {
    /** One privacy request against the identity store this worker owns (client/privacy.ts sends them). */
    async runPrivacyRequest(request: PrivacyRequest): Promise<unknown> {
      switch (request.kind) {
        case 'erase':
          return store.eraseSubject(request);
        case 'suppress':
          return store.suppress(request.subject);
        case 'unsuppress':
          return store.unsuppress(request.subject);
        case 'listSuppressed':
          return store.listSuppressed();
        case 'record':
          return store.recordPrivacyAction(request.entry);
        case 'log':
          return store.listPrivacyLog(request.limit);
      }
    },
  };
}
