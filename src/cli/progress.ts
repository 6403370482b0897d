/**
 * A one-line terminal progress bar on a stream (stderr by default). On a
 * stream that is not a TTY it draws nothing, so logs and CI output stay clean.
 */
export class ProgressBar {
  private readonly width = 30;
  private lastLine = '';
  private active = false;
  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY);
  }

  update(fraction: number, detail = ''): void {
    if (!this.enabled) return;
    const clamped = Math.max(0, Math.min(1, fraction));
    const filled = Math.round(clamped * this.width);
    const bar = '#'.repeat(filled) + '.'.repeat(this.width - filled);
    const line = `${this.label} [${bar}] ${(clamped * 100).toFixed(0).padStart(3)}% ${detail}`;
    if (line === this.lastLine) return;
    this.stream.write(`\r${line.padEnd(this.lastLine.length)}`);
    this.lastLine = line;
    this.active = true;
  }

  /** Ends the bar's line so that later output starts on a fresh line. */
  finish(): void {
    if (this.active) this.stream.write('\n');
    this.active = false;
    this.lastLine = '';
  }
}
