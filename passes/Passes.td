//===- Passes.td - AutoGLM graph passes -------------------*- tablegen -*-===//
//
// Every pass of the compiler is declared here and lives in passes/<Name>.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_TD
#define AUTOGLM_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapes : Pass<"autoglm-infer-shapes", "ModuleOp"> {
  let summary = "Propagate static shapes through a function";
  let description = [{
    Re-runs each op's type inference in program order and refines result
    types wherever inference knows more than the IR says (a static dimension
    where the IR has `?`): the bodies of `autoglm.fused` ops follow their
    inputs, function result types follow what the functions return, and
    `func.call` results follow their callees, until nothing changes. Run it
    after changing argument types, e.g. after specializing symbolic input
    dimensions; ops whose inference contradicts their declared type are
    reported.
  }];
  let dependentDialects = ["::mlir::autoglm::AutoGLMDialect",
                           "::mlir::func::FuncDialect"];
}

#endif // AUTOGLM_PASSES_TD
