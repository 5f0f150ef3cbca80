import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attribute, XmlScanner } from '../../src/storage/listing/xml-scanner.js';

/** The events of a document fed in chunks of `length`, as `<name attrs` / `/name=text @parents` lines. */
function eventsOf(xml: string, length = xml.length): string[] {
  const events: string[] = [];
  const scanner = new XmlScanner({
    open: (name, attributes, parents) => events.push(`<${name}${attributes} @${parents.join('/')}`),
    close: (name, text, parents) => events.push(`/${name}=${text} @${parents.join('/')}`),
  });
  for (let at = 0; at < xml.length; at += length) scanner.write(xml.slice(at, at + length));
  scanner.close();
  return events;
}

const DOCUMENT =
  '\uFEFF<?xml version="1.0" encoding="utf-8"?>\n<!-- a > comment -->' +
  '<Root A="x>y" B=\'it"s\'><Item>a &amp; b &lt;&gt; &quot;&apos; &#233;&#x1F600;</Item>' +
  '<Empty /><Data><![CDATA[<not a tag> &amp;]]> and more</Data>\n  <Name Encoded="true">%41</Name></Root>';

const EVENTS = [
  `<Root A="x>y" B='it"s' @`,
  '<Item @Root',
  '/Item=a & b <> "\' é\u{1F600} @Root',
  '<Empty  @Root',
  '/Empty= @Root',
  '<Data @Root',
  '/Data=<not a tag> &amp; and more @Root',
  '<Name Encoded="true" @Root',
  '/Name=%41 @Root',
  '/Root= @',
];

describe('the XML scanner', () => {
  it('reads elements, attributes, entities, character references, CDATA and comments', () => {
    assert.deepEqual(eventsOf(DOCUMENT), EVENTS);
  });

  it('reads the same whatever the chunks the document arrives in', () => {
    for (let length = 1; length <= 40; length++)
      assert.deepEqual(eventsOf(DOCUMENT, length), EVENTS, `chunks of ${length}`);
  });

  it('finds attributes in the raw attribute text, quoted either way and decoded', () => {
    assert.equal(attribute(' Encoded="true"', 'Encoded'), 'true');
    assert.equal(attribute(" A='1' Encoded = 'a&amp;b'", 'Encoded'), 'a&b');
    assert.equal(attribute(' NotEncoded="true"', 'Encoded'), undefined);
    assert.equal(attribute('', 'Encoded'), undefined);
  });

  it('refuses a document cut short, naming the element left open', () => {
    assert.throws(() => eventsOf('<Root><Item>text'), /ended early, with <Item> unclosed/);
    assert.throws(() => eventsOf('<Root><Item>text</Item></Ro'), /ended early, with <Root> unclosed/);
  });

  it('refuses tags that do not nest, a second root, stray text and a DOCTYPE', () => {
    assert.throws(() => eventsOf('<Root><A></B></Root>'), /closes <B> where <A> is open/);
    assert.throws(() => eventsOf('<Root/><Root/>'), /more than one root/);
    assert.throws(() => eventsOf('Gateway Timeout'), /text outside any element/);
    assert.throws(() => eventsOf('<!DOCTYPE html><html></html>'), /DOCTYPE/);
    assert.throws(() => eventsOf(''), /no element/);
  });

  it('refuses unknown entities and invalid character references', () => {
    assert.throws(() => eventsOf('<Root>&nbsp;</Root>'), /unknown entity &nbsp;/);
    assert.throws(() => eventsOf('<Root>&#x110000;</Root>'), /invalid character reference/);
  });
});
