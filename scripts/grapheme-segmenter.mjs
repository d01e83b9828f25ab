// Bundled in place of `new Intl.Segmenter()` (grapheme granularity) in the dependencies that create
// one when they load (string-width, wrap-ansi's string-width, slice-ansi, @alcalzone/ansi-tokenize;
// see bundle-options.mjs). The first Intl.Segmenter of a process loads ICU's break rules, about
// 20 ms of CPU before the wizard's first frame, although the screens' text almost never needs them.
// This stand-in answers at once, one segment per character, for strings whose every character is
// sure to be a grapheme cluster of its own, and creates the real segmenter for any other string.
// test/unit/bundle-grapheme-segmenter.test.ts holds it to Intl.Segmenter's answers.
// No imports: this file is bundled into the executable.

/**
 * Characters one column wide that are their own grapheme cluster (Grapheme_Cluster_Break "Other":
 * no marks, joiners, format, emoji, Hangul or regional indicator characters): the ones v6wall's
 * screens and Ink's borders draw. string-width's widened fast path takes the same set.
 */
export const NARROW_CHARACTERS = '\\u00A1-\\u00AC\\u00AE-\\u00FF\\u2010-\\u2027\\u2039\\u203A\\u2190-\\u2193\\u2500-\\u259F\\u2713\\u2717\\u2800-\\u28FF';

// Tab, line feed and escape are controls, each a cluster of its own (UAX #29 GB4, GB5); carriage
// return is not taken, as it joins a following line feed (GB3).
const OWN_CLUSTERS = new RegExp(`^[\\t\\n\\u001B\\u0020-\\u007E${NARROW_CHARACTERS}]*$`);

/** Intl.Segmenter's Segments for a string whose clusters are its characters, one by one. */
class CharacterSegments {
  constructor(input) {
    this.input = input;
  }

  containing(index) {
    const at = Math.trunc(Number(index ?? 0)) || 0;
    return at >= 0 && at < this.input.length ? { segment: this.input[at], index: at, input: this.input } : undefined;
  }

  *[Symbol.iterator]() {
    for (let index = 0; index < this.input.length; index += 1) yield { segment: this.input[index], index, input: this.input };
  }
}

export class GraphemeSegmenter {
  #arguments;
  #real;

  constructor(...args) {
    this.#arguments = args;
  }

  #segmenter() {
    this.#real ??= new Intl.Segmenter(...this.#arguments);
    return this.#real;
  }

  segment(input) {
    const text = String(input);
    return OWN_CLUSTERS.test(text) ? new CharacterSegments(text) : this.#segmenter().segment(text);
  }

  resolvedOptions() {
    return this.#segmenter().resolvedOptions();
  }
}
