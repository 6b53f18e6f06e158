//===- AutoGLMDocs.td - every op, for the reference -------*- tablegen -*-===//
//
// The input of the dialect reference (docs/ops.md): the ops of AutoGLMOps.td
// and those generated into their own unit (SeparateOps.td).
//
//===----------------------------------------------------------------------===//

include "AutoGLMOps.td"
include "SeparateOps.td"
