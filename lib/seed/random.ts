/**
 * Deterministic randomness for synthetic data. Every stream is derived from the run's seed and a
 * label path (e.g. `driver/17/day/3`), so any piece of the dataset can be generated on its own, in
 * any order or in parallel, and still come out identical for the same seed.
 */

/** 32-bit FNV-1a, used only to turn labels into seed material. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** splitmix32 finaliser: spreads seed material so nearby labels give unrelated generator states. */
function mix(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** sfc32: small, fast, and good enough statistically for simulation (passes PractRand to 2^40+). */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(a: number, b: number, c: number, d: number) {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    // Discard the first outputs, which still correlate with the seed words.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A generator for `seed` and a label path; the same arguments always give the same sequence. */
  static derive(seed: number, ...labels: (string | number)[]): Random {
    const material = fnv1a(`${seed >>> 0}/${labels.join('/')}`);
    const high = mix(Math.floor(seed / 2 ** 32));
    return new Random(mix(material), mix(material ^ 0xa5a5a5a5), mix(material + high), mix(seed >>> 0));
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Standard normal (Box-Muller; the second value is discarded to keep the state simple). */
  normal(mean = 0, stdDev = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + stdDev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Poisson-distributed count (Knuth's method; fine for the small means used here). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.next();
    while (product > limit) {
      count++;
      product *= this.next();
    }
    return count;
  }

  /**
   * Zero-mean uniform jitter with the given standard deviation: one draw, for per-second noise in
   * the simulation, where the shape of the distribution does not matter.
   */
  jitter(stdDev: number): number {
    return (this.next() - 0.5) * 3.4641016151377544 * stdDev; // width sqrt(12) * stdDev
  }

  /**
   * A UUIDv7 for an event at `epochMs`: 48-bit millisecond timestamp then random bits, the layout
   * devices are expected to send. Time-ordered ids keep inserts into the (event_id, ts) key near the
   * right edge of the index instead of scattered over it.
   */
  uuidV7(epochMs: number): string {
    const r1 = this.nextUint32();
    const r2 = this.nextUint32();
    const r3 = this.nextUint32();
    const msHigh = Math.floor(epochMs / 65536);
    const msLow = epochMs - msHigh * 65536;
    return (
      hex32(msHigh) +
      '-' +
      hex16(msLow) +
      '-' +
      hex16(0x7000 | (r1 >>> 20)) +
      '-' +
      hex16(0x8000 | ((r1 >>> 4) & 0x3fff)) +
      '-' +
      hex32(r2) +
      hex16(r3 >>> 16)
    );
  }
}

function hex16(value: number): string {
  return (HEX[(value >>> 8) & 0xff] as string) + (HEX[value & 0xff] as string);
}

function hex32(value: number): string {
  return hex16(value >>> 16) + hex16(value & 0xffff);
}
