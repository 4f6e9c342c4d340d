// The bare specifier "flash" for the Linux simulator: the implementation keeps its own
// module name (hosts/moddable/lin/flash) so its relative imports of the core resolve.
export { default } from "hosts/moddable/lin/flash";
