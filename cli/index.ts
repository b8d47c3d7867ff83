#!/usr/bin/env node
import { Command } from 'commander';
import { version } from '../package.json';
import { doctorCommand } from './commands/doctor';
import { inspectCommand } from './commands/inspect';
import { previewCommand } from './commands/preview';
import { eraseCommand, privacyCommand, suppressCommands } from './commands/privacy';
import { replayCommand } from './commands/replay';
import { resumeCommand } from './commands/resume';
import { statsCommand } from './commands/stats';
import { webhookCommand } from './commands/webhook';

/** The operator's command line: `npm run cli -- <command> --help`. */
const program = new Command('signal-xtremepush').description('Operate the signal-xtremepush delivery service').version(version);
program.addCommand(doctorCommand());
for (const command of [inspectCommand(), previewCommand(), replayCommand(), resumeCommand(), statsCommand(), webhookCommand()]) program.addCommand(command);
for (const command of [eraseCommand(), ...suppressCommands(), privacyCommand()]) program.addCommand(command);

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? `error: ${error.message}` : error);
  process.exitCode = 1;
});
