import { ContentGraph1764000000000 } from './1764000000000-content-graph';

/** Every migration, oldest first. Listed explicitly so that no glob depends on the build layout. */
export const MIGRATIONS: Function[] = [ContentGraph1764000000000];
