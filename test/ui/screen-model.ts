// A small terminal model: replays what a program wrote to a pty and gives
// the text a person would see. It knows the sequences Ink and log-update use
// (cursor moves, line and screen erases); colours and modes are ignored.

export class ScreenModel {
  private lines: string[][];
  private row = 0;
  private col = 0;

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    this.lines = Array.from({ length: rows }, () => []);
  }

  write(data: string): void {
    let index = 0;
    while (index < data.length) {
      const char = data[index] ?? '';
      if (char === '\u001B') {
        index = this.escape(data, index);
        continue;
      }
      if (char === '\r') this.col = 0;
      else if (char === '\n') this.lineFeed();
      else if (char === '\b') this.col = Math.max(0, this.col - 1);
      else if (char >= ' ' || char > '\u007F') this.put(char);
      index += char.length;
    }
  }

  /** The visible screen, trailing spaces and empty bottom lines removed. */
  text(): string {
    return this.lines
      .map((line) => line.join('').trimEnd())
      .join('\n')
      .replace(/\n+$/, '');
  }

  private put(char: string): void {
    if (this.col >= this.columns) {
      this.col = 0;
      this.lineFeed();
    }
    const line = this.lines[this.row] ?? [];
    while (line.length < this.col) line.push(' ');
    line[this.col] = char;
    this.lines[this.row] = line;
    this.col += 1;
  }

  private lineFeed(): void {
    if (this.row < this.rows - 1) {
      this.row += 1;
      return;
    }
    this.lines.shift();
    this.lines.push([]);
  }

  /** Handles one escape sequence starting at `start`; returns the index after it. */
  private escape(data: string, start: number): number {
    const next = data[start + 1];
    if (next === ']') {
      // OSC: up to BEL or ST.
      const bel = data.indexOf('\u0007', start);
      const st = data.indexOf('\u001B\\', start);
      const ends = [bel === -1 ? Infinity : bel + 1, st === -1 ? Infinity : st + 2];
      const end = Math.min(...ends);
      return end === Infinity ? data.length : end;
    }
    if (next !== '[') return start + 2;
    // eslint-disable-next-line no-control-regex
    const match = /^\u001B\[([?>=]?)([0-9;]*)([ -/]*)([@-~])/.exec(data.slice(start, start + 32));
    if (!match) return start + 2;
    const [whole, prefix, params, , command] = match;
    if (prefix === '')
      this.csi(
        command ?? '',
        (params ?? '').split(';').map((value) => (value === '' ? NaN : Number(value))),
      );
    return start + (whole?.length ?? 2);
  }

  private csi(command: string, params: number[]): void {
    const n = (fallback: number): number => (Number.isNaN(params[0] ?? NaN) ? fallback : (params[0] as number));
    switch (command) {
      case 'A':
        this.row = Math.max(0, this.row - n(1));
        break;
      case 'B':
        this.row = Math.min(this.rows - 1, this.row + n(1));
        break;
      case 'C':
        this.col = Math.min(this.columns - 1, this.col + n(1));
        break;
      case 'D':
        this.col = Math.max(0, this.col - n(1));
        break;
      case 'G':
        this.col = Math.max(0, n(1) - 1);
        break;
      case 'H':
      case 'f':
        this.row = Math.min(this.rows - 1, Math.max(0, n(1) - 1));
        this.col = Math.max(0, (Number.isNaN(params[1] ?? NaN) ? 1 : (params[1] as number)) - 1);
        break;
      case 'K': {
        const line = this.lines[this.row] ?? [];
        const mode = n(0);
        if (mode === 0) line.length = Math.min(line.length, this.col);
        else if (mode === 1) for (let index = 0; index <= this.col && index < line.length; index += 1) line[index] = ' ';
        else line.length = 0;
        this.lines[this.row] = line;
        break;
      }
      case 'J': {
        const mode = n(0);
        if (mode === 0) {
          (this.lines[this.row] ?? []).length = Math.min((this.lines[this.row] ?? []).length, this.col);
          for (let index = this.row + 1; index < this.rows; index += 1) this.lines[index] = [];
        } else if (mode === 2 || mode === 3) {
          this.lines = Array.from({ length: this.rows }, () => []);
        }
        break;
      }
      default:
        // Colours (m), modes and anything else change nothing a person reads.
        break;
    }
  }
}
