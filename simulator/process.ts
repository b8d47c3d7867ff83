/**
 * Normal processing of one External API request, in the order the real service decides:
 * URI -> HTTP method -> JSON body -> authentication -> rate limit -> method validation.
 * Pure decision: nothing is recorded here.
 */
import type { SimulatorContext } from './context';
import { answers, type Answer } from './envelope';
import { methodForPath } from './methods';
import type { AcceptedEvent } from './state';
import type { Region } from './types';

export type ParsedBody = { ok: true; value: unknown } | { ok: false };

export interface Processed {
  answer: Answer;
  /** Project the request landed in (null: rejected or wrong region). */
  project: string | null;
  /** Events to record as hits in `project`. */
  landed: AcceptedEvent[];
}

const rejected = (answer: Answer): Processed => ({ answer, project: null, landed: [] });

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function processApiRequest(ctx: SimulatorContext, region: Region, httpMethod: string, path: string, body: ParsedBody): Processed {
  const method = methodForPath(path);
  if (!method) return rejected(answers.badUri(path));
  if (httpMethod !== 'POST') return rejected(answers.methodNotAllowed(httpMethod));
  if (!body.ok) return rejected(answers.malformedBody());
  if (!isObject(body.value)) return rejected(answers.bodyNotObject());

  const token = body.value.apptoken;
  if (typeof token !== 'string' || token === '') return rejected(answers.noAuthentication());

  const resolution = ctx.projects.resolve(region, token);
  if (resolution.kind === 'unknown') return rejected(answers.authenticationFailed());
  if (resolution.kind === 'other-region') {
    // Diagnostic methods authenticate against this region only; event hits "succeed" but land nowhere.
    if (method.readOnly) return rejected(answers.authenticationFailed());
    const result = method.handle({ region, project: null, body: body.value, state: ctx.state, refusedUserIds: ctx.refusedUserIds });
    return rejected(result.answer);
  }

  const project = resolution.project;
  if (project.oauthOnly) return rejected(answers.oauthOnly());
  if (project.rateLimitPerSecond !== undefined && !ctx.rateLimiter.allow(project.token, project.rateLimitPerSecond)) {
    return rejected(answers.rateLimited());
  }

  const result = method.handle({ region, project, body: body.value, state: ctx.state, refusedUserIds: ctx.refusedUserIds });
  const landed = result.landed ?? [];
  const accepted = result.answer.status === 200;
  return {
    answer: result.answer,
    project: accepted ? project.name : null,
    landed: accepted ? landed : [],
  };
}
