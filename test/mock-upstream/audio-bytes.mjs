// @ts-check
// Audio files the way the speech endpoint sends them: the right magic bytes and container
// layout per format, silence or a quiet tone inside, and a size proportional to the duration.

/** OpenAI's speech output rate, for wav and raw pcm (16-bit little-endian mono). */
const SAMPLE_RATE = 24000;
/** MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono, no CRC: 417-byte frames of 1152 samples. */
const MP3_HEADER = [0xff, 0xfb, 0x90, 0xc4];
const MP3_FRAME_BYTES = 417;
const MP3_FRAME_SECONDS = 1152 / 44100;
/** Bytes per second of the compressed formats whose inner layout the mock does not model. */
const COMPRESSED_RATE = 12000;

/** @type {Record<string, string>} */
export const AUDIO_CONTENT_TYPES = {
  mp3: 'audio/mpeg',
  opus: 'audio/opus',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};

/** A quiet 440 Hz tone. @param {number} seconds */
function pcm16(seconds) {
  const samples = Math.round(seconds * SAMPLE_RATE);
  const buf = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    buf.writeInt16LE(Math.round(1000 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE)), i * 2);
  return buf;
}

/** A complete RIFF/WAVE header for 16-bit mono PCM of `dataBytes` bytes. @param {number} dataBytes */
export function wavHeader(dataBytes) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16); // fmt chunk size
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(SAMPLE_RATE * 2, 28); // byte rate
  h.writeUInt16LE(2, 32); // block align
  h.writeUInt16LE(16, 34); // bits per sample
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** @param {number} seconds */
function mp3(seconds) {
  const frames = Math.max(1, Math.round(seconds / MP3_FRAME_SECONDS));
  const buf = Buffer.alloc(frames * MP3_FRAME_BYTES);
  for (let f = 0; f < frames; f++) Buffer.from(MP3_HEADER).copy(buf, f * MP3_FRAME_BYTES);
  return buf;
}

/** The format's signature, then silence. @param {string} format @param {number} seconds */
function compressed(format, seconds) {
  const magic = { opus: 'OggS', aac: '\xff\xf1\x50\x80', flac: 'fLaC' }[format] ?? '';
  const buf = Buffer.alloc(Math.max(64, Math.round(seconds * COMPRESSED_RATE)));
  buf.write(magic, 0, 'latin1');
  return buf;
}

/** @param {string} format a response_format @param {number} seconds */
export function audioBytes(format, seconds) {
  if (format === 'pcm') return pcm16(seconds);
  if (format === 'wav') {
    const data = pcm16(seconds);
    return Buffer.concat([wavHeader(data.length), data]);
  }
  if (format === 'mp3') return mp3(seconds);
  return compressed(format, seconds);
}

/**
 * How long an uploaded file plays: from a WAV header when it has one, else as if it were
 * 128 kbit/s audio. Whole seconds, at least one, as whisper-1 bills.
 * @param {Buffer} file
 */
export function durationOf(file) {
  const riff =
    file.length >= 44 && file.toString('ascii', 0, 4) === 'RIFF' && file.toString('ascii', 8, 12) === 'WAVE';
  const byteRate = (riff && file.readUInt32LE(28)) || 16000;
  return Math.max(1, Math.ceil((riff ? file.length - 44 : file.length) / byteRate));
}
