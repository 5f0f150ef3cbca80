import { seededRandom } from './datasets.js';

/**
 * Deterministic text that compresses like a site's own pages, styles and scripts: markup and code around words drawn
 * from a shared vocabulary with a skewed (Zipf-like) frequency, as in real text. Measured with gzip -9 it shrinks
 * about as real assets do (see README, "Precompression"); random bytes would make every encoding pointless.
 */
/** The most frequent words first: brotli's built-in dictionary knows them, as it knows those of real pages. */
const COMMON = (
  'the of and to a in is you that it he was for on are as with his they at be this have from or one had by word but ' +
  'not what all were we when your can said there use an each which she do how their if will up other about out many ' +
  'then them these so some her would make like him into time has look two more write go see number no way could ' +
  'people my than first water been call who oil its now find long down day did get come made may part page site ' +
  'home search menu content button header footer navigation document release version update install download ' +
  'account storage container static website build deploy settings profile contact privacy terms help support'
).split(' ');

/** Built on first use: datasets.ts, which provides the generator, imports this module too. */
let vocabulary: string[] | undefined;
const VOCABULARY = () => (vocabulary ??= buildVocabulary());

function buildVocabulary(): string[] {
  const random = seededRandom(31_337);
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zi', 'pe', 'sa', 'do', 'fu', 'gri', 'ble', 'str', 'on'];
  const rare = Array.from({ length: 3000 }, () => {
    const length = 1 + Math.floor(random() * 4);
    return Array.from({ length }, () => syllables[Math.floor(random() * syllables.length)]).join('');
  });
  return [...COMMON, ...rare];
}

export type TextKind = 'html' | 'css' | 'js';

export function textKindOf(name: string): TextKind | undefined {
  const extension = name.slice(name.lastIndexOf('.') + 1);
  return extension === 'html' || extension === 'css' || extension === 'js' ? extension : undefined;
}

/** `size` bytes of text of the kind, the same for the same seed. */
export function generateText(kind: TextKind, size: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const words_ = VOCABULARY();
  const word = () => words_[Math.floor(words_.length * random() ** 3)]!;
  const number = (max: number) => Math.floor(random() * max);
  const hex = () => number(0xffffff).toString(16).padStart(6, '0');
  const words = (count: number) => Array.from({ length: count }, word).join(' ');
  const parts: string[] = [];
  let length = 0;
  const push = (text: string) => {
    parts.push(text);
    length += text.length;
  };
  if (kind === 'html') push('<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>');
  while (length < size) {
    if (kind === 'html') {
      const r = random();
      if (r < 0.4) push(`<p class="${word()} ${word()}">${words(8 + number(40))}</p>\n`);
      else if (r < 0.7)
        push(`<li><a href="/${word()}/${word()}-${number(500)}.html">${words(1 + number(4))}</a></li>\n`);
      else if (r < 0.85) push(`<div class="${word()}-${word()}" id="${word()}${number(100)}">\n`);
      else if (r < 0.95) push(`</div>\n<h${1 + number(3)}>${words(2 + number(6))}</h${1 + number(3)}>\n`);
      else
        push(`<img src="/assets/img/${number(20)}/png-${number(300)}.png" alt="${words(3)}" width="${number(900)}">\n`);
    } else if (kind === 'css') {
      const r = random();
      if (r < 0.5) push(`.${word()}-${word()}{color:#${hex()};margin:${number(40)}px ${number(40)}px}`);
      else if (r < 0.8) push(`.${word()} .${word()}>a:hover{background:#${hex()};padding:${number(24)}px}`);
      else push(`@media (min-width:${number(1400)}px){.${word()}{display:${random() < 0.5 ? 'flex' : 'grid'}}}\n`);
    } else {
      const r = random();
      if (r < 0.35) push(`function ${word()}${number(9)}(e,t){return e.${word()}+t*${number(1000)}}`);
      else if (r < 0.6) push(`var ${word()}=${JSON.stringify(words(1 + number(6)))},${word()}=${number(1e6)};`);
      else if (r < 0.85)
        push(`if(n.${word()}===${number(64)}){${word()}.${word()}(n,"${word()}")}else{r[${number(99)}]=!0}`);
      else push(`export const ${word()}${number(99)}={${word()}:${number(1e4)},${word()}:"${hex()}"};\n`);
    }
  }
  return Buffer.from(parts.join('').slice(0, size));
}
