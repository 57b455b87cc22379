/**
 * What two hashtags equal in any case have in common: JavaScript's Unicode
 * `toLowerCase`, as posts are matched to campaigns. Neither database's own
 * folding will do: SQLite's `LOWER` folds ASCII only (`ÉcoleOuverte` and
 * `écoleouverte` differ there), PostgreSQL's depends on the database's locale.
 */
export function hashtagKey(hashtag: string): string {
  return hashtag.toLowerCase();
}
