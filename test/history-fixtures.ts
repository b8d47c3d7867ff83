import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Where scripts/record-histories.ts writes the recorded histories (`npm run record-histories`). */
export const HISTORIES_DIR = path.join(__dirname, 'fixtures/histories');

export interface HistoryFixture {
  /** File name without `.json`. */
  name: string;
  /** The recorded execution's id: replayed workflows see the same workflowInfo().workflowId. */
  workflowId: string;
  workflowType: string;
  /** Temporal's JSON history format (`{events: [...]}`), as Worker.runReplayHistories reads it. */
  history: { events: Array<Record<string, any>> };
}

export function loadHistoryFixtures(dir = HISTORIES_DIR): HistoryFixture[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const name = file.slice(0, -'.json'.length);
      const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { workflowId?: string; events?: Array<Record<string, any>> };
      const first = json.events?.[0];
      const workflowType = first?.workflowExecutionStartedEventAttributes?.workflowType?.name as string | undefined;
      if (!workflowType) throw new Error(`${file}: the first event is not a WorkflowExecutionStarted with a workflow type`);
      return { name, workflowId: json.workflowId ?? name, workflowType, history: { events: json.events! } };
    });
}

/**
 * The workflow functions a module exports (following re-exports), read with the TypeScript checker rather than by
 * loading the module: workflow code is only meant to run inside the workflow sandbox.
 */
export function exportedWorkflowTypes(modulePath = path.join(__dirname, '../workflows/index.ts')): string[] {
  const program = ts.createProgram([modulePath], {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(modulePath);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`${modulePath} is not a module`);
  return checker
    .getExportsOfModule(moduleSymbol)
    .filter((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return (target.flags & ts.SymbolFlags.Function) !== 0;
    })
    .map((symbol) => symbol.name)
    .sort();
}

/** Every payload of a JSON history decoded from base64, so a secret cannot hide in one. */
export function decodedPayloads(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => decodedPayloads(v, out));
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (record.metadata && typeof record.data === 'string') out.push(Buffer.from(record.data, 'base64').toString('utf8'));
    Object.values(record).forEach((v) => decodedPayloads(v, out));
  }
  return out;
}
