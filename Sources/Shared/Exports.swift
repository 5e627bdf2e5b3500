// The library's lower targets, re-exported: `import Shared` gives the executables and the
// tests Math, Formats and Wire too (Package.swift says what each holds). Code inside them
// cannot see this module.
@_exported import Formats
@_exported import Math
@_exported import Wire
