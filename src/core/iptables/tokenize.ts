export interface Token {
  text: string;
  /** Came from a "..." string, so it is a value even when it starts with "-" or is "!". */
  quoted: boolean;
}

/** Splits one ip6tables-save rule line into words; "..." with \" and \\ escapes is one word. */
export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"') {
      let text = '';
      i++;
      while (i < n && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < n) i++;
        text += line[i];
        i++;
      }
      i++; // closing quote (or end of line when unterminated)
      tokens.push({ text, quoted: true });
      continue;
    }
    const start = i;
    while (i < n && line[i] !== ' ' && line[i] !== '\t' && line[i] !== '\r') i++;
    tokens.push({ text: line.slice(start, i), quoted: false });
  }
  return tokens;
}
