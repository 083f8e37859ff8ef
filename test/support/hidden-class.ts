// Whether the objects a piece of code builds share one V8 hidden class (map). Hot code reading objects of one
// class stays monomorphic; on Node 20's V8 an object literal that starts with a spread and then adds a property
// gets a class of its own every time once its site is warm (~1 µs per object, and every reader goes
// megamorphic). Request-path code builds such objects field by field; these tests hold it to that.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--allow-natives-syntax');
// Parsed while the flag is on; the flag only governs parsing, so it is turned off again at once.
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
setFlagsFromString('--no-allow-natives-syntax');

/** Sites build their first objects on a slow path that does share classes: only objects after this many count. */
const WARM = 16;

/**
 * Calls `make` WARM + `count` times and answers whether the last `count` objects share one hidden class.
 * `make(i)` must build a fresh object on each call.
 */
export async function buildsOneHiddenClass(make: (i: number) => object | Promise<object>, count = 16): Promise<boolean> {
  const objects: object[] = [];
  for (let i = 0; i < WARM + count; i++) objects.push(await make(i));
  const warm = objects.slice(WARM);
  return warm.every((o) => haveSameMap(o, warm[0]!));
}
