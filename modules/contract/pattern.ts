/**
 * Regular expressions in firmware code are made where they are used, never
 * at module scope.
 *
 * Why: mcconfig preloads modules, so a RegExp made at module scope is frozen
 * into the firmware image. Moddable's XS 8.2.3 runs such a RegExp with match
 * data from `c_malloc` that its garbage collector then marks and moves as if
 * it were one of its own chunks (`fxAllocateRegExpData` in xs/sources/xsre.c).
 * A collection during the match corrupts the heap: on the simulator the
 * firmware crashed in `fx_RegExp_prototype_exec` at boot once its flash held
 * records, and each run leaks the match data. A RegExp made at run time gets
 * its data from the XS heap and is safe. test/node/firmware-regexp.test.ts
 * finds any RegExp left at module scope in what mcconfig builds.
 */
import * as v from 'valibot';

/** valibot's `v.regex`, with the RegExp made afresh at each check (see above). */
export function matches(pattern: () => RegExp, message: string): v.CheckAction<string, string> {
  return v.check((input: string) => pattern().test(input), message);
}
