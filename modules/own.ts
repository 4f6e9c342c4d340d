/**
 * Sets an own data property whatever its name. Plain assignment of a name
 * such as "toString" or "valueOf" to a fresh object throws when
 * Object.prototype is frozen (a Moddable preload build; the XS test host),
 * because the inherited read-only property blocks it (the "override
 * mistake"). Device payloads and contracts choose field names, so code that
 * keys objects by them defines properties instead.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
