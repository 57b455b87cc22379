/**
 * What the benchmark runners share on their command line: `--help` (or `-h`)
 * prints a runner's usage and exits, and a mistyped or invalid option ends the
 * runner with one line that points to `--help` and exit code 2, as the CLI's
 * usage errors do, rather than a stack trace.
 */

/** An option the runner can't take (a wrong value, a wrong combination). */
export class OptionError extends Error {}

/** Prints `usage` and exits 0 when `argv` asks for help. */
export function exitWithUsageIfAsked(argv: readonly string[], usage: string): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage.endsWith('\n') ? usage : `${usage}\n`);
    process.exit(0);
  }
}

/** Reports a runner's failure on stderr: a wrong option in one line (exit 2), anything else with its stack (exit 1). */
export function exitWithFailure(runner: string, error: unknown): never {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof OptionError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`${runner}: ${(error as Error).message} (run it with --help for its options)\n`);
    process.exit(2);
  }
  process.stderr.write(`${runner}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
