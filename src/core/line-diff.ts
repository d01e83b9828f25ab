// A line diff for showing a person what changed in a rules file: the common start and end are
// skipped, the middle is aligned by a longest common subsequence. Pure.

export interface DiffLine {
  kind: 'removed' | 'added';
  /** 1-based line number in the file it comes from (before for removed, after for added). */
  line: number;
  text: string;
}

// Beyond this many cells the middle is shown as all removed then all added: still exact, less tidy.
const MAX_CELLS = 4_000_000;

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The lines only in `before` (removed) and only in `after` (added), in file order. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const removed = (i: number): DiffLine => ({ kind: 'removed', line: start + i + 1, text: midA[i] ?? '' });
  const added = (j: number): DiffLine => ({ kind: 'added', line: start + j + 1, text: midB[j] ?? '' });
  if (midA.length * midB.length > MAX_CELLS) return [...midA.map((_, i) => removed(i)), ...midB.map((_, j) => added(j))];

  // lcs[i][j]: length of the longest common subsequence of midA[i..] and midB[j..].
  const width = midB.length + 1;
  const lcs = new Uint32Array((midA.length + 1) * width);
  for (let i = midA.length - 1; i >= 0; i -= 1) {
    for (let j = midB.length - 1; j >= 0; j -= 1) {
      lcs[i * width + j] = midA[i] === midB[j] ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < midA.length || j < midB.length) {
    if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
      i += 1;
      j += 1;
    } else if (j >= midB.length || (i < midA.length && (lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0))) {
      out.push(removed(i));
      i += 1;
    } else {
      out.push(added(j));
      j += 1;
    }
  }
  return out;
}
