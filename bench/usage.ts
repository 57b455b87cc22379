/**
 * What the benchmark runners share on their command line: `--help` (or `-h`)
 * prints a runner's usage and exits, and a mistyped option ends the runner
 * with one line that points to `--help` rather than a stack trace.
 */

/** Prints `usage` and exits 0 when `argv` asks for help. */
export function exitWithUsageIfAsked(argv: readonly string[], usage: string): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage.endsWith('\n') ? usage : `${usage}\n`);
    process.exit(0);
  }
}

/** Reports a runner's failure on stderr and exits 1: one line for a wrong option, the stack otherwise. */
export function exitWithFailure(runner: string, error: unknown): never {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`${runner}: ${(error as Error).message} (run it with --help for its options)\n`);
  } else {
    process.stderr.write(`${runner}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
}
