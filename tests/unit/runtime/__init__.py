"""Direct unit tests of `naftiko_codegen.runtime`: the modules copied verbatim into packages."""
