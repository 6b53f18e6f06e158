//===- SeparateOps.h - autoglm ops of their own generated unit --*- C++ -*-===//
//
// grid_sample, roi_align, bitcast and decode_attention
// (dialects/AutoGLM/SeparateOps.td):
// ops of the autoglm dialect generated apart from AutoGLMOps.td, so that
// only the files that use them include their declarations.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_DIALECT_SEPARATEOPS_H
#define AUTOGLM_DIALECT_SEPARATEOPS_H

#include "autoglm/Dialect/AutoGLM.h"

#define GET_OP_CLASSES
#include "autoglm/Dialect/AutoGLMSeparateOps.h.inc"

#endif // AUTOGLM_DIALECT_SEPARATEOPS_H
