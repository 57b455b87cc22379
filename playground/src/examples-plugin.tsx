import { useGraphiQL, useGraphiQLActions, type GraphiQLPlugin } from '@graphiql/react';
import { AUDIENCES, EXAMPLES, type ExampleOperation } from './examples';

/** The sidebar panel that lists the example operations, grouped by who they are for. */
export const EXAMPLES_PLUGIN: GraphiQLPlugin = {
  title: 'Examples',
  icon: ExamplesIcon,
  content: ExamplesPanel,
};

function ExamplesPanel() {
  const groups = [...AUDIENCES, ...new Set(EXAMPLES.map((e) => e.audience))].filter((a, i, all) => all.indexOf(a) === i);
  return (
    <section className="cg-examples" aria-label="Example operations">
      <div className="graphiql-doc-explorer-title">Examples</div>
      <p>Named, documented operations from <code>schema/operations/</code>. Click one to open it in a new tab, then run it.</p>
      {groups.map((audience) => {
        const examples = EXAMPLES.filter((e) => e.audience === audience);
        if (!examples.length) return null;
        return (
          <div key={audience}>
            <h3>For {audience}</h3>
            <ul>
              {examples.map((example) => (
                <li key={example.name}>
                  <OpenExample example={example} />
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}

/** Opens the example in a new tab: the query (with its comment) and its variables. */
function OpenExample({ example }: { example: ExampleOperation }) {
  const { addTab } = useGraphiQLActions();
  const queryEditor = useGraphiQL((state) => state.queryEditor);
  const variableEditor = useGraphiQL((state) => state.variableEditor);
  const open = () => {
    addTab();
    queryEditor?.setValue(example.query);
    variableEditor?.setValue(example.variables);
  };
  return (
    <button type="button" className="cg-example" data-example={example.name} onClick={open} title={example.description}>
      <strong>{example.title}</strong>
      <span>{withCode(firstSentence(example.description))}</span>
    </button>
  );
}

/** The panel stays a list to scan; the whole description is the button's tooltip and the query's comment. */
function firstSentence(text: string): string {
  return /^.*?\.(?=\s|$)/.exec(text)?.[0] ?? text;
}

/** Markdown's `code` spans, the only markup the comments use, as <code>. */
function withCode(text: string) {
  return text.split('`').map((part, i) => (i % 2 ? <code key={i}>{part}</code> : part));
}

/** A page with lines: the panel of ready-made operations. */
function ExamplesIcon() {
  return (
    <svg width="1em" height="1em" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
      <rect x="4" y="3" width="16" height="18" rx="2" />
      <path d="M8 8h8M8 12h8M8 16h5" strokeLinecap="round" />
    </svg>
  );
}
