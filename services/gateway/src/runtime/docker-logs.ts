/**
 * Splits the log stream of a container without a TTY into lines. Docker frames each chunk with an 8-byte header:
 * the stream (1 stdout, 2 stderr), three zero bytes, and the payload length (big-endian).
 */
export function demuxDockerLogs(buffer: Buffer): string[] {
  const chunks: string[] = [];
  let offset = 0;
  const framed = buffer.length >= 8 && (buffer[0] === 1 || buffer[0] === 2) && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
  if (!framed) return splitLines(buffer.toString('utf8'));
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    chunks.push(buffer.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return splitLines(chunks.join(''));
}

function splitLines(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}
