// Matches indexed by attribute, in the spirit of OPA's rule index: for each attribute (team, data class, task,
// complexity, requested model, prompt-token interval, stream) and each of its values, a bitset of the items
// whose condition on that attribute holds (items without a condition on it are in every row). A lookup ANDs one
// row per attribute word by word; item order is the bit order, so the lowest set bit is the first item — for
// routes, sorted by priority, the owner. Nothing is interpreted per lookup.
import type { RequestMatch } from '../policy/generated/policy.js';
import type { TeamEntry } from '../policy/model.js';
import { teamConditionsHold, tokenRangeHolds } from './match.js';

/** The value domains the index is built over; a request is looked up by the position of each of its values. */
export interface IndexDomains {
  readonly teams: readonly TeamEntry[];
  readonly teamIds: ReadonlyMap<string, number>;
  readonly dataClasses: ReadonlyMap<string, number>;
  readonly tasks: ReadonlyMap<string, number>;
  /** Every model string a condition names; the slot after the last stands for every other string. */
  readonly models: ReadonlyMap<string, number>;
  /** A representative prompt-token count per interval (see `intervalOf`). */
  readonly promptPoints: readonly number[];
}

export const COMPLEXITY_SLOTS: ReadonlyMap<string, number> = new Map([
  ['low', 1],
  ['medium', 2],
  ['high', 3],
]);

/** Position of `n` among ascending cut points: how many cuts are ≤ n. Interval i is [cuts[i-1], cuts[i]). */
export function intervalOf(cuts: Float64Array, n: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! <= n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One condition's values: the slots it accepts, a test per slot, or undefined when the match has no condition. */
type Condition = readonly number[] | ((slot: number) => boolean) | undefined;

function dimension(slots: number, words: number, matches: readonly (RequestMatch | undefined)[], condition: (m: RequestMatch) => Condition): Uint32Array {
  const rows = new Uint32Array(slots * words);
  const always = new Uint32Array(words);
  matches.forEach((m, i) => {
    const word = i >>> 5;
    const bit = 1 << (i & 31);
    const c = m === undefined ? undefined : condition(m);
    if (c === undefined) always[word]! |= bit;
    else if (typeof c === 'function') {
      for (let s = 0; s < slots; s++) if (c(s)) rows[s * words + word]! |= bit;
    } else for (const s of c) rows[s * words + word]! |= bit;
  });
  for (let s = 0; s < slots; s++) for (let w = 0; w < words; w++) rows[s * words + w]! |= always[w]!;
  return rows;
}

function slotsOf(names: readonly string[] | undefined, ids: ReadonlyMap<string, number>): number[] | undefined {
  if (names === undefined) return undefined;
  const out: number[] = [];
  for (const n of names) {
    const id = ids.get(n);
    if (id !== undefined) out.push(id);
  }
  return out;
}

export class MatchIndex {
  readonly size: number;
  private readonly words: number;
  private readonly team: Uint32Array;
  private readonly dataClass: Uint32Array;
  private readonly task: Uint32Array;
  private readonly complexity: Uint32Array;
  private readonly model: Uint32Array;
  private readonly prompt: Uint32Array;
  private readonly stream: Uint32Array;

  constructor(matches: readonly (RequestMatch | undefined)[], d: IndexDomains) {
    const words = Math.max(1, Math.ceil(matches.length / 32));
    this.size = matches.length;
    this.words = words;
    this.team = dimension(d.teams.length, words, matches, (m) => {
      if (m.teams === undefined && m.teamLabels === undefined) return undefined;
      // Listed teams are looked up, not scanned: a policy with a route per team stays linear to compile.
      const candidates = m.teams === undefined ? d.teams.map((_, s) => s) : (slotsOf(m.teams, d.teamIds) ?? []);
      return m.teamLabels === undefined ? candidates : candidates.filter((s) => teamConditionsHold(m, d.teams[s]!));
    });
    this.dataClass = dimension(d.dataClasses.size, words, matches, (m) => slotsOf(m.dataClasses, d.dataClasses));
    this.task = dimension(d.tasks.size, words, matches, (m) => slotsOf(m.tasks, d.tasks));
    this.complexity = dimension(4, words, matches, (m) => slotsOf(m.complexity, COMPLEXITY_SLOTS));
    this.model = dimension(d.models.size + 1, words, matches, (m) => slotsOf(m.models, d.models));
    this.prompt = dimension(d.promptPoints.length, words, matches, (m) => {
      const range = m.promptTokens;
      return range === undefined ? undefined : (s) => tokenRangeHolds(range, d.promptPoints[s]!);
    });
    this.stream = dimension(2, words, matches, (m) => (m.stream === undefined ? undefined : [m.stream ? 1 : 0]));
  }

  /** The first item (lowest position) whose match holds, or -1. Slots as in `IndexDomains`; stream 0/1. */
  first(team: number, dataClass: number, task: number, complexity: number, model: number, prompt: number, stream: number): number {
    const W = this.words;
    const a = this.team, b = this.dataClass, c = this.task, d = this.complexity, e = this.model, f = this.prompt, g = this.stream;
    const ia = team * W, ib = dataClass * W, ic = task * W, id = complexity * W, ie = model * W, iff = prompt * W, ig = stream * W;
    for (let w = 0; w < W; w++) {
      const x = a[ia + w]! & b[ib + w]! & c[ic + w]! & d[id + w]! & e[ie + w]! & f[iff + w]! & g[ig + w]!;
      if (x !== 0) return (w << 5) + 31 - Math.clz32(x & -x);
    }
    return -1;
  }

  /** Every item whose match holds, in item order. */
  all(team: number, dataClass: number, task: number, complexity: number, model: number, prompt: number, stream: number): number[] {
    const W = this.words;
    const out: number[] = [];
    for (let w = 0; w < W; w++) {
      let x =
        this.team[team * W + w]! &
        this.dataClass[dataClass * W + w]! &
        this.task[task * W + w]! &
        this.complexity[complexity * W + w]! &
        this.model[model * W + w]! &
        this.prompt[prompt * W + w]! &
        this.stream[stream * W + w]!;
      while (x !== 0) {
        const low = x & -x;
        out.push((w << 5) + 31 - Math.clz32(low));
        x ^= low;
      }
    }
    return out;
  }
}
