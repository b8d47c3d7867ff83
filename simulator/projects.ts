/**
 * Projects and their app tokens, per region. Answers "which project does this token open, seen
 * from that region's host?".
 */
import { z } from 'zod';
import type { Region, SimulatorProject } from './types';

export const projectSchema = z.object({
  name: z.string().min(1),
  token: z.string().min(1),
  oauthOnly: z.boolean().optional(),
  rateLimitPerSecond: z.number().int().positive().optional(),
});

export interface RegisteredProject {
  region: Region;
  project: SimulatorProject;
}

export type TokenResolution =
  { kind: 'unknown' } | { kind: 'own'; project: SimulatorProject } | { kind: 'other-region'; project: SimulatorProject; region: Region };

export class ProjectRegistry {
  private readonly byToken = new Map<string, RegisteredProject>();

  add(region: Region, project: SimulatorProject): void {
    const parsed = projectSchema.safeParse(project);
    if (!parsed.success) {
      throw new Error(`invalid simulator project: ${z.prettifyError(parsed.error)}`);
    }
    if (this.byToken.has(project.token)) {
      throw new Error(`simulator project token already registered (project "${project.name}")`);
    }
    this.byToken.set(project.token, { region, project: { ...parsed.data } });
  }

  revoke(token: string): void {
    this.byToken.delete(token);
  }

  setOauthOnly(token: string, oauthOnly: boolean): void {
    const entry = this.byToken.get(token);
    if (!entry) throw new Error('setOauthOnly: token is not registered in the simulator');
    entry.project = { ...entry.project, oauthOnly };
  }

  resolve(region: Region, token: string): TokenResolution {
    const entry = this.byToken.get(token);
    if (!entry) return { kind: 'unknown' };
    if (entry.region === region) return { kind: 'own', project: entry.project };
    return { kind: 'other-region', project: entry.project, region: entry.region };
  }

  list(): RegisteredProject[] {
    return [...this.byToken.values()].map((e) => ({ region: e.region, project: { ...e.project } }));
  }
}
