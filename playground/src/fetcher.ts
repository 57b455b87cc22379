import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';

/** What the headers editor holds until someone pastes a key. */
export const API_KEY_PLACEHOLDER = '<your API key>';

/** The headers editor's text in every new tab: where an API key goes, ready to fill in. */
export const DEFAULT_HEADERS = JSON.stringify({ Authorization: `Bearer ${API_KEY_PLACEHOLDER}` }, null, 2);

/**
 * A fetcher for the gateway's own `/graphql`. A header still holding the
 * placeholder is left out: sent as it is, it would be a wrong key, and the
 * gateway answers a wrong key with UNAUTHENTICATED even where none is needed.
 */
export function createGatewayFetcher(url: string): Fetcher {
  const fetcher = createGraphiQLFetcher({ url });
  return (params, options) => fetcher(params, { ...options, headers: withoutPlaceholders(options?.headers) });
}

function withoutPlaceholders(headers: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!headers) return headers;
  return Object.fromEntries(
    Object.entries(headers).filter(([, value]) => !(typeof value === 'string' && value.includes(API_KEY_PLACEHOLDER))),
  );
}
