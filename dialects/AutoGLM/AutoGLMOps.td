//===- AutoGLMOps.td - all ops of the autoglm dialect -----*- tablegen -*-===//

#ifndef AUTOGLM_OPS_TD
#define AUTOGLM_OPS_TD

include "AutoGLMBase.td"
include "ElementwiseOps.td"
include "ContractionOps.td"
include "NormalizationOps.td"
include "DataMovementOps.td"
include "HighLevelOps.td"
include "LibraryOps.td"

#endif // AUTOGLM_OPS_TD
