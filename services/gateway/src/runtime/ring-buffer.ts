/** The last `capacity` lines of a worker's output. */
export class LineRing {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly capacity: number) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.length === 0) continue;
      this.lines.push(line.length > 8192 ? `${line.slice(0, 8192)}…` : line);
      if (this.lines.length > this.capacity) this.lines.shift();
    }
  }

  tail(n: number): string[] {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(Math.max(0, all.length - n));
  }
}
