// The playground: GraphiQL with the gateway's example operations, bundled from
// node_modules so that the page needs nothing but the gateway.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './playground.css';
import { HISTORY_PLUGIN, GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import { EXAMPLES_PLUGIN } from './examples-plugin';
import { EXAMPLES } from './examples';
import { createGatewayFetcher, DEFAULT_HEADERS } from './fetcher';

const WELCOME = `# Welcome to the Coalition Graph playground.
#
# Open a ready-made operation from the Examples panel on the left, or write
# your own: autocompletion (Ctrl-Space) and the Docs panel know the whole
# schema, every type and field documented. Run with Ctrl-Enter.
# An API key goes in the Headers tab below.
`;

const home = EXAMPLES.find((example) => example.name === 'HomePage');
const fetcher = createGatewayFetcher(new URL('/graphql', window.location.href).toString());

createRoot(document.getElementById('playground')!).render(
  <GraphiQL
    fetcher={fetcher}
    plugins={[EXAMPLES_PLUGIN, HISTORY_PLUGIN]}
    visiblePlugin={EXAMPLES_PLUGIN}
    defaultQuery={home ? `${WELCOME}\n${home.query.replace(/^(#.*\n)+\n?/, '')}` : WELCOME}
    defaultHeaders={DEFAULT_HEADERS}
    defaultEditorToolsVisibility="headers"
    shouldPersistHeaders={false}
  >
    <GraphiQL.Logo>Coalition Graph</GraphiQL.Logo>
  </GraphiQL>,
);
