import { describe, expect, it } from 'vitest';
import { demuxDockerLogs } from '../src/runtime/docker-logs.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('demuxDockerLogs', () => {
  it('joins frames of stdout and stderr into lines, even when a line spans frames', () => {
    const buffer = Buffer.concat([frame(1, 'first line\nsec'), frame(2, 'ond line\n'), frame(1, 'third\n')]);
    expect(demuxDockerLogs(buffer)).toEqual(['first line', 'second line', 'third']);
  });
  it('reads an unframed log (a container with a TTY) as plain text', () => {
    expect(demuxDockerLogs(Buffer.from('a\nb\n'))).toEqual(['a', 'b']);
  });
});
