import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Where scripts/record-histories.ts writes the recorded histories (`npm run record-histories`). */
export const HISTORIES_DIR = path.join(__dirname, 'fixtures/histories');

/**
 * Histories of an earlier shape of a workflow that the current code still replays (it is told apart by its input):
 * kept while executions started before may still be running. `npm run record-histories` leaves them alone.
 */
export const EARLIER_HISTORIES_DIR = path.join(HISTORIES_DIR, 'earlier');

export interface HistoryFixture {
  /** File name without `.json`, under `earlier/` for an earlier shape's. */
  name: string;
  /** The recorded execution's id: replayed workflows see the same workflowInfo().workflowId. */
  workflowId: string;
  workflowType: string;
  /** Temporal's JSON history format (`{events: [...]}`), as Worker.runReplayHistories reads it. */
  history: { events: Array<Record<string, any>> };
}

export function loadHistoryFixtures(): HistoryFixture[] {
  return [...loadFrom(HISTORIES_DIR, ''), ...loadFrom(EARLIER_HISTORIES_DIR, 'earlier/')];
}

function loadFrom(dir: string, prefix: string): HistoryFixture[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const name = prefix + file.slice(0, -'.json'.length);
      const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { workflowId?: string; events?: Array<Record<string, any>> };
      const first = json.events?.[0];
      const workflowType = first?.workflowExecutionStartedEventAttributes?.workflowType?.name as string | undefined;
      if (!workflowType) throw new Error(`${name}: the first event is not a WorkflowExecutionStarted with a workflow type`);
      // Prefixed like the name: the record script's message ids are fixed, so an earlier recording has today's ids.
      return { name, workflowId: json.workflowId ? prefix + json.workflowId : name, workflowType, history: { events: json.events! } };
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
