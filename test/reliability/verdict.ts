import type { ScenarioResult } from './scenarios';
import type { Sizes } from './scenarios';

/**
 * Everything wrong with a scenario's result, in words; empty when it passed. The rule: every accepted
 * event has exactly one terminal outcome and reached Xtremepush at least once; nothing crashed; duplicates come only
 * from attempts that really were sent and timed out (or whose answer died with a killed process).
 */
export function problemsOf(result: ScenarioResult, sizes: Sizes): string[] {
  if (result.skipped) return [];
  const { check, barrage, scenario } = result;
  const problems: string[] = [];
  const add = (condition: boolean, problem: string) => void (condition && problems.push(problem));
  add(result.acceptedAtFault >= sizes.events, `the fault came after the load had ended (all ${sizes.events} events accepted)`);
  problems.push(...(scenario.confirm?.(result, sizes) ?? []));
  add(result.notAccepted > 0, `${result.notAccepted} valid events were never accepted, retries included`);
  add(result.crashes.length > 0, `crashes: ${result.crashes.join('; ')}`);
  if (!check) return [...problems, 'no end check was made'];
  add(check.lost > 0, `${check.lost} accepted events lost`);
  add(check.stillRunning > 0, `${check.stillRunning} workflows still running`);
  add(check.notOneExecution > 0, `${check.notOneExecution} accepted events without exactly one execution`);
  add(check.wrongEndings > 0, `${check.wrongEndings} events ended otherwise than they had to`);
  add(check.unrecorded > 0, `${check.unrecorded} valid webhooks not recorded`);
  add(check.startedAnyway > 0, `${check.startedAnyway} refused events have a delivery workflow all the same`);
  add(
    scenario.duplicatesOnlyFromLateAnswers && check.duplicates > check.lateLanded,
    `${check.duplicates} duplicates, more than the ${check.lateLanded} events that landed after the client gave up`,
  );
  for (const line of barrage?.unexpected ?? []) problems.push(`barrage: ${line}`);
  if (problems.length > 0 && check.examples.length > 0) problems.push(`examples: ${check.examples.join('; ')}`);
  return problems;
}
