// The bare specifier "cbor-x" for the Moddable build. Modules are named after their file
// ("cbor-x/index", "cbor-x/encode", ...) so cbor-x's own relative imports resolve; this alias
// gives the package name the same exports, as mcpack's generated aliases do.
export * from "cbor-x/index";
