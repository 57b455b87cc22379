/**
 * A mistake in how a command was called (a flag missing, one that does not
 * belong, a value that cannot be read): the command line exits 2 and points
 * at `--help`, where a command that was called right but failed exits 1. The
 * subcommands (`keys`, `sources`, `ingest`) throw it for their own flags; what
 * the services refuse (a name taken, a setting out of range) stays a failure.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
